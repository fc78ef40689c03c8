// Package tencentcloud is what the Tencent connectors share: the settings every Tencent Cloud
// API needs (key pair, region, endpoint, timeout) and their checks, clients built on the SDK's
// common client (so request signing, TC3-HMAC-SHA256, is the SDK's own) and cached by those
// settings alone, and the mapping of Tencent's error codes to the connectors' typed errors.
package tencentcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// Options configure one client.
type Options struct {
	SecretID  string
	SecretKey string
	Region    string
	// Endpoint is host[:port]; empty means the service's public endpoint.
	Endpoint string
	// Scheme is "https" or "http".
	Scheme string
	// Timeout bounds each HTTP request; the call's context may cut it shorter.
	Timeout time.Duration
}

// NewClient returns a common client for opts. It never touches the network.
func NewClient(opts Options) *common.Client {
	p := profile.NewClientProfile()
	p.HttpProfile.Endpoint = opts.Endpoint
	p.HttpProfile.Scheme = strings.ToUpper(opts.Scheme)
	// The SDK only takes whole seconds; round up so it never fires before the context
	// deadline, which carries the precise (millisecond) timeout.
	p.HttpProfile.ReqTimeout = int((opts.Timeout + time.Second - 1) / time.Second)
	p.Language = "en-US"
	// The host owns retries, so the SDK must not retry or fail over to a backup endpoint.
	p.NetworkFailureMaxRetries = 0
	p.RateLimitExceededMaxRetries = 0
	p.DisableRegionBreaker = true
	return common.NewCommonClient(common.NewCredential(opts.SecretID, opts.SecretKey), opts.Region, p)
}

// Call invokes action on service at version with params, and decodes the "Response" object
// of a successful answer into out. ctx bounds the HTTP request.
func Call(ctx context.Context, c *common.Client, service, version, action string, params map[string]any, out any) error {
	req := tchttp.NewCommonRequest(service, version, action)
	if err := req.SetActionParameters(params); err != nil {
		return fmt.Errorf("%s: set parameters: %w", action, err)
	}
	req.SetContext(ctx)
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	var envelope struct {
		Response json.RawMessage `json:"Response"`
	}
	if err := json.Unmarshal(resp.GetBody(), &envelope); err != nil {
		return fmt.Errorf("%s: decode response: %w", action, err)
	}
	if out != nil {
		if err := json.Unmarshal(envelope.Response, out); err != nil {
			return fmt.Errorf("%s: decode response: %w", action, err)
		}
	}
	return nil
}

// Failure describes why a call failed.
type Failure struct {
	// Code is Tencent's error code ("AuthFailure.SignatureFailure" ...); empty for transport
	// failures.
	Code    string
	Message string
	// Transport is true when no usable answer came back: network error, timeout, cancelled
	// context, non-200 status or an unparsable body. Worth retrying later.
	Transport bool
}

// Classify explains err from Call.
func Classify(err error) Failure {
	if errors.Is(err, context.DeadlineExceeded) {
		return Failure{Message: "timed out waiting for Tencent Cloud", Transport: true}
	}
	if errors.Is(err, context.Canceled) {
		return Failure{Message: "call cancelled", Transport: true}
	}
	var sdk *tcerr.TencentCloudSDKError
	if errors.As(err, &sdk) {
		// The SDK reports its own failures as ClientError.*: network errors, non-200 answers,
		// bodies it cannot parse. None of them is a verdict from the service.
		if strings.HasPrefix(sdk.Code, "ClientError.") {
			return Failure{Message: sdk.Code, Transport: true}
		}
		return Failure{Code: sdk.Code, Message: sdk.Message}
	}
	return Failure{Message: "unexpected error", Transport: true}
}
