package tencentcloud

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

var (
	anyRegion   = &Service{Product: "Tencent Cloud SMS", Name: "sms"}
	someRegions = &Service{Product: "Tencent Cloud SES", Name: "ses", Endpoints: map[string]string{
		"ap-singapore": "ses.intl.tencentcloudapi.com", "ap-guangzhou": "", "ap-hongkong": "",
	}}
)

// check runs every shared check on s, as a connector's decode does.
func check(svc *Service, s *Settings) []connector.FieldError {
	var p Problems
	s.CheckCredentials(&p)
	s.CheckEndpoint(svc, &p)
	s.CheckTimeout(&p)
	err := p.Err(svc)
	if err == nil {
		return nil
	}
	var e *connector.Error
	if !errors.As(err, &e) || e.Kind != connector.KindInvalidConfig || e.Message != "invalid "+svc.Product+" configuration" {
		panic(err)
	}
	return e.Fields
}

func TestChecksFillDefaults(t *testing.T) {
	s := Settings{SecretID: "AKIDx", SecretKey: "k"}
	if bad := check(anyRegion, &s); bad != nil {
		t.Fatalf("problems %v", bad)
	}
	want := Settings{SecretID: "AKIDx", SecretKey: "k", Region: "ap-guangzhou", Scheme: "https", TimeoutMS: 10000}
	if s != want {
		t.Fatalf("settings %+v, want %+v", s, want)
	}
	if s.Timeout().Seconds() != 10 {
		t.Fatalf("timeout %v", s.Timeout())
	}
}

func TestChecksReportEveryFieldInOrder(t *testing.T) {
	s := Settings{SecretID: " ", Region: "Guangzhou", Endpoint: "https://sms.example.com/", Scheme: "ftp", TimeoutMS: 99}
	want := []connector.FieldError{
		{Field: "secret_id", Reason: "required"},
		{Field: "secret_key", Reason: "required"},
		{Field: "region", Reason: "must be a Tencent Cloud region such as ap-guangzhou"},
		{Field: "scheme", Reason: `must be "https" or "http"`},
		{Field: "endpoint", Reason: "must be host or host:port, without scheme or path"},
		{Field: "timeout_ms", Reason: "must be between 100 and 60000"},
	}
	if got := check(anyRegion, &s); !reflect.DeepEqual(got, want) {
		t.Fatalf("problems\n%v\nwant\n%v", got, want)
	}
}

func TestRegions(t *testing.T) {
	cases := []struct {
		svc    *Service
		region string
		reason string // "" when accepted
	}{
		{anyRegion, "ap-nanjing", ""},
		{anyRegion, "eu-frankfurt", ""},
		{anyRegion, "na-siliconvalley", ""},
		{anyRegion, "ap-shanghai-fsi", ""},
		{anyRegion, "ap-guangzhou-1", ""},
		{anyRegion, "Guangzhou", "must be a Tencent Cloud region such as ap-guangzhou"},
		{anyRegion, "ap_guangzhou", "must be a Tencent Cloud region such as ap-guangzhou"},
		{someRegions, "ap-hongkong", ""},
		{someRegions, "ap-beijing", "must be ap-guangzhou, ap-hongkong or ap-singapore"},
		{someRegions, "Guangzhou", "must be ap-guangzhou, ap-hongkong or ap-singapore"},
	}
	for _, tc := range cases {
		s := Settings{SecretID: "a", SecretKey: "b", Region: tc.region}
		got := check(tc.svc, &s)
		switch {
		case tc.reason == "" && got != nil:
			t.Errorf("%s refused %s: %v", tc.svc.Name, tc.region, got)
		case tc.reason != "" && !reflect.DeepEqual(got, []connector.FieldError{{Field: "region", Reason: tc.reason}}):
			t.Errorf("%s %s: %v, want region: %s", tc.svc.Name, tc.region, got, tc.reason)
		}
	}
}

func TestEndpoints(t *testing.T) {
	for endpoint, ok := range map[string]bool{
		"sms.tencentcloudapi.com":        true,
		"127.0.0.1:8080":                 true,
		"[::1]:443":                      true,
		"sms.internal:65535":             true,
		"sms.internal:0":                 false,
		"sms.internal:65536":             false,
		"sms.internal:http":              false,
		":443":                           false,
		"http://sms.tencentcloudapi.com": false,
		"sms.tencentcloudapi.com/":       false,
		"sms.tencentcloudapi.com?x=1":    false,
		"sms tencentcloudapi.com":        false,
	} {
		s := Settings{SecretID: "a", SecretKey: "b", Endpoint: endpoint}
		if got := check(anyRegion, &s) == nil; got != ok {
			t.Errorf("%q accepted = %v, want %v", endpoint, got, ok)
		}
	}
}

func TestTimeouts(t *testing.T) {
	for ms, ok := range map[int]bool{0: true, 100: true, 60000: true, 99: false, 60001: false, -1: false} {
		s := Settings{SecretID: "a", SecretKey: "b", TimeoutMS: ms}
		if got := check(anyRegion, &s) == nil; got != ok {
			t.Errorf("timeout_ms %d accepted = %v, want %v", ms, got, ok)
		}
	}
}

func TestEndpointFollowsRegionUnlessSet(t *testing.T) {
	cases := []struct {
		svc  *Service
		s    Settings
		want string
	}{
		{someRegions, Settings{Region: "ap-singapore"}, "ses.intl.tencentcloudapi.com"},
		{someRegions, Settings{Region: "ap-guangzhou"}, ""},
		{someRegions, Settings{Region: "ap-singapore", Endpoint: "127.0.0.1:9"}, "127.0.0.1:9"},
		{anyRegion, Settings{Region: "ap-nanjing"}, ""},
	}
	for _, tc := range cases {
		if got := tc.svc.Endpoint(tc.s); got != tc.want {
			t.Errorf("%s %+v: endpoint %q, want %q", tc.svc.Name, tc.s, got, tc.want)
		}
	}
}

func TestProblemsWithoutProblemsIsNoError(t *testing.T) {
	var p Problems
	p.Require("sdk_app_id", "1400000000")
	if err := p.Err(anyRegion); err != nil {
		t.Fatalf("err = %v (%T)", err, err)
	}
}
