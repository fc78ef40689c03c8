// The fake Tencent API (internal/tencentfake) is tested here, next to the SDK client whose
// signatures it must accept, because only packages under connectors/ may import that client.
package tencentcloud_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/tencentcloud"
	"github.com/gatehouse-iam/gatehouse/internal/tencentfake"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
)

// workedExample is the request from Tencent Cloud's "Signature v3" API documentation (for
// instance https://www.tencentcloud.com/document/product/382/40467, section "Signature
// Process"), which walks through signing CVM
// DescribeInstances in ap-guangzhou at timestamp 1551113065 with the example SecretId/SecretKey
// AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE / Gu5t9xGARNpq86cd98joQYCN3EXAMPLE and publishes the
// hashed payload (35e9c5b0…), the hashed canonical request (5ffe6a04…) and the signature.
func workedExample() tencentfake.SignedRequest {
	return tencentfake.SignedRequest{
		Method: "POST",
		Headers: map[string]string{
			"content-type": "application/json; charset=utf-8",
			"host":         "cvm.tencentcloudapi.com",
		},
		Payload:       []byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`),
		Timestamp:     "1551113065",
		Authorization: "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
	}
}

func TestVerifyAcceptsTencentsPublishedExample(t *testing.T) {
	keys := map[string]string{"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"}
	now := time.Unix(1551113065, 0)
	id, service, err := tencentfake.Verify(workedExample(), keys, now)
	if err != nil {
		t.Fatalf("published example refused: %v", err)
	}
	if id != "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE" || service != "cvm" {
		t.Fatalf("id, service = %q, %q", id, service)
	}
}

func TestVerifyRefusesTamperedRequests(t *testing.T) {
	keys := map[string]string{"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"}
	now := time.Unix(1551113065, 0)
	cases := map[string]struct {
		mutate func(*tencentfake.SignedRequest)
		keys   map[string]string
		now    time.Time
		want   string
	}{
		"payload changed": {mutate: func(r *tencentfake.SignedRequest) { r.Payload = []byte(`{"Limit": 2}`) }, want: "AuthFailure.SignatureFailure"},
		"host changed":    {mutate: func(r *tencentfake.SignedRequest) { r.Headers["host"] = "cvm.example.com" }, want: "AuthFailure.SignatureFailure"},
		"wrong key":       {keys: map[string]string{"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE": "not-the-key"}, want: "AuthFailure.SignatureFailure"},
		"unknown id":      {keys: map[string]string{"AKIDother": "x"}, want: "AuthFailure.SecretIdNotFound"},
		"stale":           {now: now.Add(6 * time.Minute), want: "AuthFailure.SignatureExpire"},
		"not TC3":         {mutate: func(r *tencentfake.SignedRequest) { r.Authorization = "HmacSHA256 x" }, want: "AuthFailure.InvalidAuthorization"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := workedExample()
			if tc.mutate != nil {
				tc.mutate(&r)
			}
			k, n := keys, now
			if tc.keys != nil {
				k = tc.keys
			}
			if !tc.now.IsZero() {
				n = tc.now
			}
			_, _, err := tencentfake.Verify(r, k, n)
			if err == nil || err.Code != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

// TestFakeVerifiesTheSDKsSigning checks the fake end to end against the SDK's own signer: a
// correctly keyed call succeeds and is recorded, a wrong key and an unknown id are refused.
func TestFakeVerifiesTheSDKsSigning(t *testing.T) {
	fake := tencentfake.New(t, map[string]string{"AKIDtest": "right-key"})
	call := func(id, key string) error {
		c := tencentcloud.NewClient(tencentcloud.Options{SecretID: id, SecretKey: key, Region: "ap-guangzhou", Endpoint: fake.Endpoint(), Scheme: "http", Timeout: 5 * time.Second})
		return tencentcloud.Call(context.Background(), c, "ses", tencentfake.SESVersion, "ListEmailAddress", map[string]any{}, nil)
	}
	if err := call("AKIDtest", "right-key"); err != nil {
		t.Fatalf("signed call refused: %v", err)
	}
	for id, want := range map[string]string{"AKIDtest": "AuthFailure.SignatureFailure", "AKIDnope": "AuthFailure.SecretIdNotFound"} {
		err := call(id, "wrong-key")
		var sdk *tcerr.TencentCloudSDKError
		if !errors.As(err, &sdk) || sdk.Code != want {
			t.Fatalf("%s: err = %v, want %s", id, err, want)
		}
	}
	reqs := fake.Requests()
	if len(reqs) != 3 || reqs[0].AuthError != "" || reqs[0].Service != "ses" || reqs[0].Region != "ap-guangzhou" || reqs[1].AuthError == "" {
		t.Fatalf("recorded %+v", reqs)
	}
}
