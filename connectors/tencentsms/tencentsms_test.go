package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/tencentcloud"
	"github.com/gatehouse-iam/gatehouse/internal/tencentfake"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	testID    = "AKIDsmstest"
	testKey   = "sms-secret-key"
	testPhone = "+8613812345678"
	testCode  = "482913"
)

func newFake(t *testing.T) *tencentfake.Server {
	return tencentfake.New(t, map[string]string{testID: testKey})
}

func config(t *testing.T, fake *tencentfake.Server, mutate ...func(map[string]any)) connector.Config {
	t.Helper()
	m := map[string]any{
		"secret_id":  testID,
		"secret_key": testKey,
		"sdk_app_id": "1400123456",
		"sign_name":  "Gatehouse",
		"region":     "ap-nanjing",
		"endpoint":   fake.Endpoint(),
		"scheme":     "http",
		"timeout_ms": 5000,
	}
	for _, f := range mutate {
		f(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return connector.Config(b)
}

func message(params ...string) connector.Message {
	return connector.Message{
		To:       testPhone,
		Usage:    connector.UsageLogin,
		Template: connector.Template{ID: "2233445", Params: params},
		Variables: map[string]string{
			"code": testCode, "ttl_seconds": "300", "ttl_minutes": "5", "username": "alice", "app_name": "Demo",
		},
	}
}

func kindOf(t *testing.T, err error) *connector.Error {
	t.Helper()
	var e *connector.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *connector.Error", err, err)
	}
	return e
}

// assertClean fails when err's text leaks the full phone number or the code.
func assertClean(t *testing.T, err error) {
	t.Helper()
	if s := err.Error(); strings.Contains(s, "13812345678") || strings.Contains(s, testCode) {
		t.Fatalf("error leaks a phone number or code: %s", s)
	}
}

func TestDescribe(t *testing.T) {
	info := New().Describe()
	if info.Name != "tencentsms" || info.Channel != connector.SMS || info.TemplateKind != connector.TemplateProvider {
		t.Fatalf("info = %+v", info)
	}
	if !reflect.DeepEqual(info.Usages, connector.Usages) {
		t.Fatalf("usages = %v", info.Usages)
	}
	if !reflect.DeepEqual(info.Placeholders, []string{"code", "ttl_seconds", "ttl_minutes", "username", "app_name"}) {
		t.Fatalf("placeholders = %v", info.Placeholders)
	}
	var schema struct {
		Schema     string                     `json:"$schema"`
		MaxCode    int                        `json:"x-max-code-length"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(info.ConfigSchema, &schema); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if schema.Schema != "https://json-schema.org/draft/2020-12/schema" || schema.MaxCode != MaxCodeLength || MaxCodeLength != 6 {
		t.Fatalf("schema header = %+v", schema)
	}
	// Every Config field is in the schema, and exactly the secret is write-only.
	for _, f := range []string{"secret_id", "secret_key", "sdk_app_id", "sign_name", "region", "endpoint", "scheme", "timeout_ms"} {
		raw, ok := schema.Properties[f]
		if !ok {
			t.Fatalf("schema lacks %s", f)
		}
		var p struct {
			WriteOnly bool `json:"writeOnly"`
		}
		json.Unmarshal(raw, &p)
		if p.WriteOnly != (f == "secret_key") {
			t.Errorf("%s writeOnly = %v", f, p.WriteOnly)
		}
	}
}

func TestSendBuildsTheRequestByName(t *testing.T) {
	fake := newFake(t)
	s := New()
	for _, tc := range []struct {
		params []string
		want   []string
	}{
		{[]string{"code", "ttl_minutes"}, []string{testCode, "5"}},
		{[]string{"ttl_minutes", "code"}, []string{"5", testCode}},
		{[]string{"app_name", "code", "ttl_seconds"}, []string{"Demo", testCode, "300"}},
	} {
		rc, err := s.Send(context.Background(), config(t, fake), message(tc.params...))
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		reqs := fake.Requests()
		r := reqs[len(reqs)-1]
		if r.Action != "SendSms" || r.Version != "2021-01-11" || r.Region != "ap-nanjing" || r.Service != "sms" || r.SecretID != testID {
			t.Fatalf("request header fields = %+v", r)
		}
		if r.String("SmsSdkAppId") != "1400123456" || r.String("SignName") != "Gatehouse" || r.String("TemplateId") != "2233445" {
			t.Fatalf("body = %v", r.Params)
		}
		if got := r.Strings("TemplateParamSet"); !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("params %v: TemplateParamSet = %v, want %v", tc.params, got, tc.want)
		}
		if got := r.Strings("PhoneNumberSet"); !reflect.DeepEqual(got, []string{testPhone}) {
			t.Fatalf("PhoneNumberSet = %v", got)
		}
		if !strings.HasPrefix(rc.MessageID, "2640:") {
			t.Fatalf("message id %q is not the SerialNo", rc.MessageID)
		}
	}
}

func TestPhoneNumbers(t *testing.T) {
	fake := newFake(t)
	s := New()
	for to, want := range map[string]string{
		"13812345678":    "+8613812345678",
		"+8613812345678": "+8613812345678",
		"+14155550123":   "+14155550123",
		"+85291234567":   "+85291234567",
	} {
		msg := message("code")
		msg.To = to
		if _, err := s.Send(context.Background(), config(t, fake), msg); err != nil {
			t.Fatalf("%s: %v", to, err)
		}
		reqs := fake.Requests()
		if got := reqs[len(reqs)-1].Strings("PhoneNumberSet"); !reflect.DeepEqual(got, []string{want}) {
			t.Fatalf("%s went out as %v, want %s", to, got, want)
		}
	}
	before := len(fake.Requests())
	for _, to := range []string{"", "12345", "8613812345678", "138 1234 5678", "+86-138-1234-5678", "23812345678", "+0123456789", "alice@example.com"} {
		msg := message("code")
		msg.To = to
		_, err := s.Send(context.Background(), config(t, fake), msg)
		if e := kindOf(t, err); e.Kind != connector.KindInvalidRecipient {
			t.Fatalf("%q: kind %s, want invalid_recipient", to, e.Kind)
		}
	}
	if len(fake.Requests()) != before {
		t.Fatal("an invalid number reached Tencent")
	}
}

func TestSendRefusesTemplateProblemsLocally(t *testing.T) {
	fake := newFake(t)
	s := New()
	cases := map[string]connector.Message{
		"unknown variable": message("code", "otp"),
		"no template id":   func() connector.Message { m := message("code"); m.Template.ID = ""; return m }(),
		"code too long":    func() connector.Message { m := message("code"); m.Variables["code"] = "1234567"; return m }(),
	}
	for name, msg := range cases {
		_, err := s.Send(context.Background(), config(t, fake), msg)
		if e := kindOf(t, err); e.Kind != connector.KindInvalidConfig {
			t.Fatalf("%s: kind %s, want invalid_config", name, e.Kind)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests reached Tencent", n)
	}
	if CheckCodeLength(6) != nil || CheckCodeLength(7) == nil {
		t.Fatal("CheckCodeLength disagrees with MaxCodeLength")
	}
}

func TestWrongCredentialsAreInvalidConfig(t *testing.T) {
	fake := newFake(t)
	s := New()
	for _, tc := range []struct{ id, key, code string }{
		{testID, "wrong-key", "AuthFailure.SignatureFailure"},
		{"AKIDunknown", testKey, "AuthFailure.SecretIdNotFound"},
	} {
		cfg := config(t, fake, func(m map[string]any) { m["secret_id"], m["secret_key"] = tc.id, tc.key })
		_, err := s.Send(context.Background(), cfg, message("code"))
		e := kindOf(t, err)
		if e.Kind != connector.KindInvalidConfig || e.ProviderCode != tc.code {
			t.Fatalf("%s: got %v, want invalid_config (%s)", tc.id, err, tc.code)
		}
		if strings.Contains(err.Error(), tc.key) {
			t.Fatal("error leaks the secret key")
		}
		verr := s.Validate(context.Background(), cfg, true)
		if e := kindOf(t, verr); e.Kind != connector.KindInvalidConfig || e.ProviderCode != tc.code {
			t.Fatalf("validate: got %v", verr)
		}
	}
}

var errorTable = []struct {
	code  string
	kind  connector.ErrorKind
	retry time.Duration
}{
	{"LimitExceeded.PhoneNumberThirtySecondLimit", connector.KindRateLimited, 30 * time.Second},
	{"LimitExceeded.PhoneNumberOneHourLimit", connector.KindRateLimited, time.Hour},
	{"LimitExceeded.PhoneNumberDailyLimit", connector.KindRateLimited, 24 * time.Hour},
	{"LimitExceeded.PhoneNumberSameContentDailyLimit", connector.KindRateLimited, 0},
	{"LimitExceeded.DeliveryFrequencyLimit", connector.KindRateLimited, 0},
	{"RequestLimitExceeded", connector.KindRateLimited, 0},
	{"AuthFailure.SecretIdNotFound", connector.KindInvalidConfig, 0},
	{"AuthFailure.UnauthorizedOperation", connector.KindInvalidConfig, 0},
	{"FailedOperation.SignatureIncorrectOrUnapproved", connector.KindInvalidConfig, 0},
	{"FailedOperation.TemplateIncorrectOrUnapproved", connector.KindInvalidConfig, 0},
	{"FailedOperation.TemplateParamSetNotMatchApprovedTemplate", connector.KindInvalidConfig, 0},
	{"UnauthorizedOperation.SmsSdkAppIdVerifyFail", connector.KindInvalidConfig, 0},
	{"FailedOperation.TemplateUnapprovedOrNotExist", connector.KindInvalidConfig, 0},
	{"InvalidParameterValue.SdkAppIdNotExist", connector.KindInvalidConfig, 0},
	{"InvalidParameterValue.TemplateParameterFormatError", connector.KindInvalidConfig, 0},
	{"UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone", connector.KindInvalidConfig, 0},
	{"InvalidParameterValue.IncorrectPhoneNumber", connector.KindInvalidRecipient, 0},
	{"FailedOperation.PhoneNumberParseFail", connector.KindInvalidRecipient, 0},
	{"FailedOperation.InsufficientBalanceInSmsPackage", connector.KindQuotaExceeded, 0},
	{"UnauthorizedOperation.SerivceSuspendDueToArrears", connector.KindQuotaExceeded, 0},
	{"InternalError", connector.KindUnavailable, 0},
	{"InternalError.Timeout", connector.KindUnavailable, 0},
	{"InternalError.OtherError", connector.KindUnavailable, 0},
	{"FailedOperation.PhoneNumberInBlacklist", connector.KindRejected, 0},
	{"InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", connector.KindRejected, 0},
	{"UnsupportedOperation.UnsupportedRegion", connector.KindRejected, 0},
}

func TestErrorMapping(t *testing.T) {
	for _, perNumber := range []bool{false, true} {
		for _, tc := range errorTable {
			t.Run(fmt.Sprintf("perNumber=%v/%s", perNumber, tc.code), func(t *testing.T) {
				fake := newFake(t)
				// The provider message echoes the number and code, as real ones sometimes do.
				echo := "refused " + testPhone + " code " + testCode
				if perNumber {
					fake.FailNumber(testPhone, tc.code, echo)
				} else {
					fake.Fail("SendSms", tc.code, echo)
				}
				_, err := New().Send(context.Background(), config(t, fake), message("code"))
				e := kindOf(t, err)
				if e.Kind != tc.kind || e.RetryAfter != tc.retry || e.ProviderCode != tc.code {
					t.Fatalf("got kind=%s retry=%v code=%q, want %s %v %s", e.Kind, e.RetryAfter, e.ProviderCode, tc.kind, tc.retry, tc.code)
				}
				assertClean(t, err)
			})
		}
	}
}

// TestPerNumberFailureAmongSuccesses: HTTP 200, a successful envelope, and one failing
// entry must still fail the send.
func TestPerNumberFailureWithHTTP200(t *testing.T) {
	fake := newFake(t)
	fake.FailNumber(testPhone, "LimitExceeded.PhoneNumberDailyLimit", "daily limit")
	_, err := New().Send(context.Background(), config(t, fake), message("code"))
	if e := kindOf(t, err); e.Kind != connector.KindRateLimited || e.RetryAfter != 24*time.Hour {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "+86138****5678") {
		t.Fatalf("error does not name the masked number: %v", err)
	}
}

func TestSlowProviderIsUnavailableWithinTheDeadline(t *testing.T) {
	fake := newFake(t)
	fake.SetDelay(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New().Send(ctx, config(t, fake), message("code"))
	elapsed := time.Since(start)
	if e := kindOf(t, err); e.Kind != connector.KindUnavailable {
		t.Fatalf("got %v, want unavailable", err)
	}
	if elapsed > 3*time.Second {
		t.Fatalf("send took %v despite a 300ms deadline", elapsed)
	}
}

func TestConfiguredTimeoutApplies(t *testing.T) {
	fake := newFake(t)
	fake.SetDelay(10 * time.Second)
	cfg := config(t, fake, func(m map[string]any) { m["timeout_ms"] = 200 })
	start := time.Now()
	_, err := New().Send(context.Background(), cfg, message("code"))
	if e := kindOf(t, err); e.Kind != connector.KindUnavailable {
		t.Fatalf("got %v, want unavailable", err)
	}
	// The SDK's own timeout has a one-second granularity: finishing well under a second shows
	// the connector's 200 ms bound is the one that fired.
	if elapsed := time.Since(start); elapsed > 900*time.Millisecond {
		t.Fatalf("send took %v despite timeout_ms=200", elapsed)
	}
}

func TestValidateVerifyMakesOneReadCall(t *testing.T) {
	fake := newFake(t)
	s := New()
	if err := s.Validate(context.Background(), config(t, fake), false); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("verify=false made %d calls", n)
	}
	if err := s.Validate(context.Background(), config(t, fake), true); err != nil {
		t.Fatalf("validate verify: %v", err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Action != "DescribeSmsTemplateList" || reqs[0].String("International") != "0" || reqs[0].String("Limit") != "1" {
		t.Fatalf("verify made %+v", reqs)
	}
}

func TestValidateRefusesBadConfig(t *testing.T) {
	fake := newFake(t)
	cases := map[string]struct {
		mutate func(map[string]any)
		field  string
	}{
		"no secret key":   {func(m map[string]any) { delete(m, "secret_key") }, "secret_key"},
		"no app id":       {func(m map[string]any) { delete(m, "sdk_app_id") }, "sdk_app_id"},
		"app id letters":  {func(m map[string]any) { m["sdk_app_id"] = "abc" }, "sdk_app_id"},
		"bad scheme":      {func(m map[string]any) { m["scheme"] = "ftp" }, "scheme"},
		"endpoint w/ url": {func(m map[string]any) { m["endpoint"] = "https://sms.example.com/" }, "endpoint"},
		"bad timeout":     {func(m map[string]any) { m["timeout_ms"] = 5 }, "timeout_ms"},
		"bad region":      {func(m map[string]any) { m["region"] = "Guangzhou" }, "region"},
	}
	for name, tc := range cases {
		err := New().Validate(context.Background(), config(t, fake, tc.mutate), false)
		e := kindOf(t, err)
		if e.Kind != connector.KindInvalidConfig || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Fatalf("%s: got %v", name, err)
		}
	}
	if err := New().Validate(context.Background(), connector.Config(`{"secret_id":"a","surprise":1}`), false); err == nil {
		t.Fatal("unknown field accepted")
	}
}

func TestSignNameRequiredForMainland(t *testing.T) {
	fake := newFake(t)
	cfg := config(t, fake, func(m map[string]any) { delete(m, "sign_name") })
	_, err := New().Send(context.Background(), cfg, message("code"))
	if e := kindOf(t, err); e.Kind != connector.KindInvalidConfig {
		t.Fatalf("got %v", err)
	}
	msg := message("code")
	msg.To = "+14155550123"
	if _, err := New().Send(context.Background(), cfg, msg); err != nil {
		t.Fatalf("international send without sign_name: %v", err)
	}
}

func TestClientReusedPerConfig(t *testing.T) {
	fake := newFake(t)
	s := New()
	settings := func(cfg connector.Config) tencentcloud.Settings {
		c, err := decode(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c.Settings
	}
	cfgA := config(t, fake)
	// Same settings, different JSON spelling: must share the client.
	var m map[string]any
	json.Unmarshal(cfgA, &m)
	spaced, _ := json.MarshalIndent(m, "", "  ")
	cfgB := config(t, fake, func(m map[string]any) { m["secret_key"] = "another-key" })

	for _, cfg := range []connector.Config{cfgA, connector.Config(spaced), cfgB} {
		s.Send(context.Background(), cfg, message("code"))
	}
	a, ok := s.clients.Peek(settings(cfgA))
	if !ok {
		t.Fatal("no client cached for config A")
	}
	a2, _ := s.clients.Peek(settings(connector.Config(spaced)))
	b, ok := s.clients.Peek(settings(cfgB))
	if !ok {
		t.Fatal("no client cached for config B")
	}
	if a != a2 {
		t.Fatal("the same config got two clients")
	}
	if a == b {
		t.Fatal("a different secret shares a client")
	}
	if s.clients.Len() != 2 {
		t.Fatalf("%d clients cached, want 2", s.clients.Len())
	}
}

func TestConcurrentSendsShareOneClient(t *testing.T) {
	fake := newFake(t)
	s := New()
	cfg := config(t, fake)
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := s.Send(context.Background(), cfg, message("code", "ttl_minutes"))
			errs <- err
		}()
	}
	for range 10 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(fake.Requests()); n != 10 || s.clients.Len() != 1 {
		t.Fatalf("requests=%d clients=%d", n, s.clients.Len())
	}
}

// Tenants with one key pair and their own SDK AppID and signature share a client, and so its
// connection pool; the sender fields travel in each request.
func TestTenantsSharingAKeyPairShareAClient(t *testing.T) {
	fake := newFake(t)
	s := New()
	tenants := []connector.Config{
		config(t, fake),
		config(t, fake, func(m map[string]any) { m["sdk_app_id"], m["sign_name"] = "1400999999", "Other" }),
	}
	for _, cfg := range tenants {
		if _, err := s.Send(context.Background(), cfg, message("code")); err != nil {
			t.Fatal(err)
		}
	}
	if s.clients.Len() != 1 {
		t.Fatalf("%d clients for one key pair, want 1", s.clients.Len())
	}
	reqs := fake.Requests()
	if reqs[0].String("SmsSdkAppId") != "1400123456" || reqs[1].String("SmsSdkAppId") != "1400999999" || reqs[1].String("SignName") != "Other" {
		t.Fatalf("sender fields sent: %v, %v", reqs[0].Params, reqs[1].Params)
	}
	other := config(t, fake, func(m map[string]any) { m["secret_id"] = "AKIDother" })
	s.Send(context.Background(), other, message("code"))
	if s.clients.Len() != 2 {
		t.Fatalf("%d clients, want another one for another key pair", s.clients.Len())
	}
}
