package protocol

import (
	"context"
	"errors"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

// Client is the host-side half. It implements sdk.Connector, so the host and the conformance
// kit drive a plugin process exactly like an in-process connector. Every error it returns is an
// *sdk.Error: the connector's own, or unavailable when the call did not get an answer.
type Client struct {
	rpc ConnectorClient

	infoMu sync.Mutex
	info   *sdk.Info
}

var _ sdk.Connector = (*Client)(nil)

// NewClient wraps a connection to a plugin.
func NewClient(cc grpc.ClientConnInterface) *Client {
	return &Client{rpc: NewConnectorClient(cc)}
}

// Info fetches the plugin's metadata once and caches it; a failed fetch is not cached.
func (c *Client) Info(ctx context.Context) (sdk.Info, error) {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	if c.info != nil {
		return *c.info, nil
	}
	resp, err := c.rpc.Describe(ctx, &DescribeRequest{})
	if err != nil {
		return sdk.Info{}, callError("describe", err)
	}
	info := infoFromProto(resp.GetInfo())
	c.info = &info
	return info, nil
}

// describeTimeout bounds Describe, whose signature has no context.
const describeTimeout = 10 * time.Second

// Describe implements sdk.Connector. The interface has no error, so a failed call yields an
// empty Info; callers that care use Info.
func (c *Client) Describe() sdk.Info {
	ctx, cancel := context.WithTimeout(context.Background(), describeTimeout)
	defer cancel()
	info, _ := c.Info(ctx)
	return info
}

// Validate implements sdk.Connector.
func (c *Client) Validate(ctx context.Context, cfg sdk.Config, verify bool) error {
	resp, err := c.rpc.Validate(ctx, &ValidateRequest{Config: cfg, Verify: verify})
	if err != nil {
		return callError("validate", err)
	}
	if e := errorFromProto(resp.GetError()); e != nil {
		return e
	}
	return nil
}

// Send implements sdk.Connector.
func (c *Client) Send(ctx context.Context, cfg sdk.Config, msg sdk.Message) (sdk.Receipt, error) {
	resp, err := c.rpc.Send(ctx, &SendRequest{Config: cfg, Message: messageToProto(msg)})
	if err != nil {
		return sdk.Receipt{}, callError("send", err)
	}
	if e := errorFromProto(resp.GetError()); e != nil {
		return sdk.Receipt{}, e
	}
	return receiptFromProto(resp.GetReceipt()), nil
}

// transportError is an unavailable *sdk.Error (reachable with errors.As) that comes from the
// call itself, not from the connector: the plugin did not answer because it is dead, hung past
// the deadline or the connection broke. The host uses it to decide whether to check the
// plugin's health.
type transportError struct {
	err  *sdk.Error
	code codes.Code
}

func (e *transportError) Error() string { return e.err.Error() }

func (e *transportError) Unwrap() error { return e.err }

// IsTransport reports whether err came from the gRPC call rather than the connector, and the
// status code it had.
func IsTransport(err error) (codes.Code, bool) {
	var te *transportError
	if errors.As(err, &te) {
		return te.code, true
	}
	return codes.OK, false
}

// callError turns a failed gRPC call into a typed error. A panic in the connector arrives as a
// status carrying an Error detail (see RecoverUnary) and is returned as that error.
func callError(call string, err error) error {
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if pe, ok := d.(*Error); ok {
			return errorFromProto(pe)
		}
	}
	msg := "connector " + call + " call failed: "
	switch st.Code() {
	case codes.DeadlineExceeded:
		msg += "deadline exceeded"
	case codes.Canceled:
		msg += "canceled"
	default:
		msg += st.Code().String() + ": " + st.Message()
	}
	return &transportError{err: sdk.Unavailable(msg), code: st.Code()}
}
