package tencentcloud

import (
	"context"
	"errors"
	"fmt"
	"testing"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
)

func TestClassify(t *testing.T) {
	cases := map[string]struct {
		err  error
		want Failure
	}{
		"provider code": {
			fmt.Errorf("SendSms: %w", tcerr.NewTencentCloudSDKError("LimitExceeded.PhoneNumberDailyLimit", "limit", "req-1")),
			Failure{Code: "LimitExceeded.PhoneNumberDailyLimit", Message: "limit"},
		},
		"network error": {
			tcerr.NewTencentCloudSDKErrorWithCause("ClientError.NetworkError", "Fail to get response", "", errors.New("connection refused")),
			Failure{Message: "ClientError.NetworkError", Transport: true},
		},
		"http status": {
			tcerr.NewTencentCloudSDKError("ClientError.HttpStatusCodeError", "502 with body <html>", ""),
			Failure{Message: "ClientError.HttpStatusCodeError", Transport: true},
		},
		"deadline": {
			tcerr.NewTencentCloudSDKErrorWithCause("ClientError.NetworkError", "Fail to get response", "", context.DeadlineExceeded),
			Failure{Message: "timed out waiting for Tencent Cloud", Transport: true},
		},
		"other": {errors.New("boom"), Failure{Message: "unexpected error", Transport: true}},
	}
	for name, tc := range cases {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
}
