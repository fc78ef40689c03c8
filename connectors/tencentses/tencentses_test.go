package main

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/internal/tencentfake"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	testID   = "AKIDsestest"
	testKey  = "ses-secret-key"
	testTo   = "alice@example.com"
	testCode = "482913"
)

func newFake(t *testing.T) *tencentfake.Server {
	return tencentfake.New(t, map[string]string{testID: testKey})
}

func config(t *testing.T, fake *tencentfake.Server, mutate ...func(map[string]any)) connector.Config {
	t.Helper()
	m := map[string]any{
		"secret_id":  testID,
		"secret_key": testKey,
		"region":     "ap-hongkong",
		"endpoint":   fake.Endpoint(),
		"scheme":     "http",
		"from":       "Gatehouse <noreply@mail.example.com>",
		"reply_to":   "support@example.com",
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

// variables is what the host passes: the canonical names and Tencent's guide names.
func variables() map[string]string {
	return map[string]string{
		"code": testCode, "ttl_seconds": "300", "ttl_minutes": "5", "username": "alice", "app_name": "Demo",
		"otp": testCode, "time": "300", "name": "alice", "mailverifycode": testCode,
	}
}

func message(usage connector.Usage, params ...string) connector.Message {
	return connector.Message{
		To:        testTo,
		Usage:     usage,
		Template:  connector.Template{ID: "65432", Subject: "Your verification code", Params: params},
		Variables: variables(),
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

func TestDescribe(t *testing.T) {
	info := New().Describe()
	if info.Name != "tencentses" || info.Channel != connector.Email || info.TemplateKind != connector.TemplateProvider {
		t.Fatalf("info = %+v", info)
	}
	if !reflect.DeepEqual(info.Usages, connector.Usages) {
		t.Fatalf("usages = %v", info.Usages)
	}
	for _, p := range []string{"otp", "time", "name", "mailverifycode", "code", "ttl_seconds", "ttl_minutes", "username", "app_name"} {
		found := false
		for _, q := range info.Placeholders {
			found = found || p == q
		}
		if !found {
			t.Errorf("placeholder %s missing", p)
		}
	}
	var schema struct {
		Properties map[string]struct {
			WriteOnly bool `json:"writeOnly"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(info.ConfigSchema, &schema); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"secret_id", "secret_key", "region", "endpoint", "scheme", "from", "reply_to", "timeout_ms"} {
		p, ok := schema.Properties[f]
		if !ok {
			t.Fatalf("schema lacks %s", f)
		}
		if p.WriteOnly != (f == "secret_key") {
			t.Errorf("%s writeOnly = %v", f, p.WriteOnly)
		}
	}
}

func TestSendUsesTheGuidesVariableNames(t *testing.T) {
	fake := newFake(t)
	s := New()
	cases := []struct {
		usage  connector.Usage
		params []string
		want   map[string]string
	}{
		{connector.UsageLogin, []string{"otp", "time"}, map[string]string{"otp": testCode, "time": "300"}},
		{connector.UsageResetPassword, []string{"name", "mailverifycode", "time"}, map[string]string{"name": "alice", "mailverifycode": testCode, "time": "300"}},
		{connector.UsageRetrieveUsername, []string{"name"}, map[string]string{"name": "alice"}},
	}
	for _, tc := range cases {
		rc, err := s.Send(context.Background(), config(t, fake), message(tc.usage, tc.params...))
		if err != nil {
			t.Fatalf("%s: %v", tc.usage, err)
		}
		if !strings.HasPrefix(rc.MessageID, "qcloudses-") {
			t.Fatalf("message id %q", rc.MessageID)
		}
		reqs := fake.Requests()
		r := reqs[len(reqs)-1]
		if r.Action != "SendEmail" || r.Version != "2020-10-02" || r.Region != "ap-hongkong" || r.Service != "ses" || r.SecretID != testID {
			t.Fatalf("request = %+v", r)
		}
		if r.String("FromEmailAddress") != "Gatehouse <noreply@mail.example.com>" || r.String("Subject") != "Your verification code" ||
			r.String("ReplyToAddresses") != "support@example.com" || !reflect.DeepEqual(r.Strings("Destination"), []string{testTo}) {
			t.Fatalf("body = %v", r.Params)
		}
		tpl, _ := r.Params["Template"].(map[string]any)
		if tpl == nil || tpl["TemplateID"].(json.Number).String() != "65432" {
			t.Fatalf("Template = %v", r.Params["Template"])
		}
		var data map[string]string
		if err := json.Unmarshal([]byte(tpl["TemplateData"].(string)), &data); err != nil {
			t.Fatalf("TemplateData is not a JSON string: %v", err)
		}
		if !reflect.DeepEqual(data, tc.want) {
			t.Fatalf("%s: TemplateData = %v, want %v", tc.usage, data, tc.want)
		}
	}
}

func TestSendRefusesLocally(t *testing.T) {
	fake := newFake(t)
	s := New()
	noSubject := message(connector.UsageLogin, "otp", "time")
	noSubject.Template.Subject = ""
	badID := message(connector.UsageLogin, "otp")
	badID.Template.ID = "tpl-1"
	cases := map[string]struct {
		msg  connector.Message
		kind connector.ErrorKind
	}{
		"unknown variable": {message(connector.UsageLogin, "otp", "nonce"), connector.KindInvalidConfig},
		"no subject":       {noSubject, connector.KindInvalidConfig},
		"non-numeric id":   {badID, connector.KindInvalidConfig},
	}
	for _, to := range []string{"", "not-an-address", "Alice <alice@example.com>", " alice@example.com", "alice@example.com, bob@example.com"} {
		m := message(connector.UsageLogin, "otp")
		m.To = to
		cases["recipient "+to] = struct {
			msg  connector.Message
			kind connector.ErrorKind
		}{m, connector.KindInvalidRecipient}
	}
	for name, tc := range cases {
		_, err := s.Send(context.Background(), config(t, fake), tc.msg)
		if e := kindOf(t, err); e.Kind != tc.kind {
			t.Fatalf("%s: got %v, want %s", name, err, tc.kind)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests reached Tencent", n)
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
		_, err := s.Send(context.Background(), cfg, message(connector.UsageLogin, "otp", "time"))
		if e := kindOf(t, err); e.Kind != connector.KindInvalidConfig || e.ProviderCode != tc.code {
			t.Fatalf("send: got %v, want invalid_config (%s)", err, tc.code)
		}
		err = s.Validate(context.Background(), cfg, true)
		if e := kindOf(t, err); e.Kind != connector.KindInvalidConfig || e.ProviderCode != tc.code {
			t.Fatalf("validate: got %v, want invalid_config (%s)", err, tc.code)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	table := []struct {
		code string
		kind connector.ErrorKind
	}{
		{"AuthFailure.UnauthorizedOperation", connector.KindInvalidConfig},
		{"AuthFailure.SignatureExpire", connector.KindInvalidConfig},
		{"FailedOperation.FrequencyLimit", connector.KindRateLimited},
		{"FailedOperation.ExceedSendLimit", connector.KindRateLimited},
		{"LimitExceeded", connector.KindRateLimited},
		{"LimitExceeded.ExceedReceiverLimit", connector.KindRateLimited},
		{"RequestLimitExceeded", connector.KindRateLimited},
		{"FailedOperation.InsufficientBalance", connector.KindQuotaExceeded},
		{"FailedOperation.InsufficientQuota", connector.KindQuotaExceeded},
		{"FailedOperation.EmailAddrInBlacklist", connector.KindInvalidRecipient},
		{"InvalidParameterValue.ReceiverEmailInvalid", connector.KindInvalidRecipient},
		{"FailedOperation.IncorrectEmail", connector.KindInvalidRecipient},
		{"InvalidParameterValue.IllegalEmailAddress", connector.KindInvalidRecipient},
		{"FailedOperation.TemplateNotApproved", connector.KindInvalidConfig},
		{"InvalidParameterValue.TemplateNotExist", connector.KindInvalidConfig},
		{"FailedOperation.InvalidTemplateID", connector.KindInvalidConfig},
		{"OperationDenied.TemplateStatusError", connector.KindInvalidConfig},
		{"FailedOperation.NotAuthenticatedSender", connector.KindInvalidConfig},
		{"FailedOperation.IncorrectSender", connector.KindInvalidConfig},
		{"InvalidParameterValue.NoSuchSender", connector.KindInvalidConfig},
		{"OperationDenied.SendAddressStatusError", connector.KindInvalidConfig},
		{"OperationDenied.DomainNotVerified", connector.KindInvalidConfig},
		{"FailedOperation.UnsupportMailType", connector.KindInvalidConfig},
		{"FailedOperation.WithOutPermission", connector.KindInvalidConfig},
		{"InternalError", connector.KindUnavailable},
		{"InternalError.Whatever", connector.KindUnavailable},
		{"FailedOperation.ServiceNotAvailable", connector.KindUnavailable},
		{"FailedOperation.HighRejectionRate", connector.KindRejected},
		{"FailedOperation.TemporaryBlocked", connector.KindRejected},
		{"FailedOperation.EmailContentToolarge", connector.KindRejected},
	}
	for _, tc := range table {
		t.Run(tc.code, func(t *testing.T) {
			fake := newFake(t)
			fake.Fail("SendEmail", tc.code, "refused alice@example.com with code "+testCode)
			_, err := New().Send(context.Background(), config(t, fake), message(connector.UsageLogin, "otp", "time"))
			e := kindOf(t, err)
			if e.Kind != tc.kind || e.ProviderCode != tc.code {
				t.Fatalf("got kind=%s code=%q, want %s", e.Kind, e.ProviderCode, tc.kind)
			}
			if strings.Contains(err.Error(), testCode) {
				t.Fatalf("error leaks the code: %v", err)
			}
		})
	}
}

func TestSlowProviderIsUnavailableWithinTheDeadline(t *testing.T) {
	fake := newFake(t)
	fake.SetDelay(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New().Send(ctx, config(t, fake), message(connector.UsageLogin, "otp", "time"))
	if e := kindOf(t, err); e.Kind != connector.KindUnavailable {
		t.Fatalf("got %v, want unavailable", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("send took %v despite a 300ms deadline", elapsed)
	}
}

func TestConfiguredTimeoutApplies(t *testing.T) {
	fake := newFake(t)
	fake.SetDelay(10 * time.Second)
	cfg := config(t, fake, func(m map[string]any) { m["timeout_ms"] = 200 })
	start := time.Now()
	_, err := New().Send(context.Background(), cfg, message(connector.UsageLogin, "otp", "time"))
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
		t.Fatal(err)
	}
	if len(fake.Requests()) != 0 {
		t.Fatal("verify=false called Tencent")
	}
	if err := s.Validate(context.Background(), config(t, fake), true); err != nil {
		t.Fatal(err)
	}
	if got := fake.Actions(); !reflect.DeepEqual(got, []string{"ListEmailAddress"}) {
		t.Fatalf("verify made %v", got)
	}
}

func TestValidateRefusesBadConfig(t *testing.T) {
	fake := newFake(t)
	cases := map[string]struct {
		mutate func(map[string]any)
		field  string
	}{
		"no from":          {func(m map[string]any) { delete(m, "from") }, "from"},
		"bad from":         {func(m map[string]any) { m["from"] = "Gatehouse noreply" }, "from"},
		"colon in name":    {func(m map[string]any) { m["from"] = `"Re: Gatehouse" <noreply@mail.example.com>` }, "from"},
		"bad reply_to":     {func(m map[string]any) { m["reply_to"] = "nobody" }, "reply_to"},
		"unknown region":   {func(m map[string]any) { m["region"] = "ap-beijing" }, "region"},
		"no secret":        {func(m map[string]any) { m["secret_key"] = "" }, "secret_key"},
		"bad scheme":       {func(m map[string]any) { m["scheme"] = "smtp" }, "scheme"},
		"timeout too long": {func(m map[string]any) { m["timeout_ms"] = 120000 }, "timeout_ms"},
	}
	for name, tc := range cases {
		err := New().Validate(context.Background(), config(t, fake, tc.mutate), false)
		e := kindOf(t, err)
		if e.Kind != connector.KindInvalidConfig || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Fatalf("%s: got %v", name, err)
		}
	}
}

func TestRegionSelectsEndpoint(t *testing.T) {
	for region, want := range map[string]string{"ap-guangzhou": "", "ap-hongkong": "", "ap-singapore": "ses.intl.tencentcloudapi.com"} {
		raw, _ := json.Marshal(map[string]any{"secret_id": "a", "secret_key": "b", "from": "a@b.c", "region": region})
		cfg, _, err := decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := api.Endpoint(cfg.Settings); got != want {
			t.Errorf("%s: endpoint %q, want %q", region, got, want)
		}
	}
}

func TestClientReusedPerConfig(t *testing.T) {
	fake := newFake(t)
	s := New()
	a := config(t, fake)
	b := config(t, fake, func(m map[string]any) { m["secret_key"] = "other" })
	for _, cfg := range []connector.Config{a, a, b} {
		s.Send(context.Background(), cfg, message(connector.UsageLogin, "otp", "time"))
	}
	ca, ok1 := s.clients.Peek(mustDecode(t, a).Settings)
	cb, ok2 := s.clients.Peek(mustDecode(t, b).Settings)
	if !ok1 || !ok2 || ca == cb || s.clients.Len() != 2 {
		t.Fatalf("cache: a=%v b=%v same=%v len=%d", ok1, ok2, ca == cb, s.clients.Len())
	}
	if again, _ := s.client(mustDecode(t, a)); again != ca {
		t.Fatal("the same config got a new client")
	}
}

func mustDecode(t *testing.T, raw connector.Config) Config {
	c, _, err := decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSenderDisplayNames(t *testing.T) {
	for in, want := range map[string]string{
		"noreply@mail.example.com":                    "noreply@mail.example.com",
		"Gatehouse <noreply@mail.example.com>":        "Gatehouse <noreply@mail.example.com>",
		`"Gatehouse Team" <noreply@mail.example.com>`: "Gatehouse Team <noreply@mail.example.com>",
		"腾讯云 <noreply@mail.example.com>":              "腾讯云 <noreply@mail.example.com>",
	} {
		raw, _ := json.Marshal(map[string]any{"secret_id": "a", "secret_key": "b", "from": in})
		_, from, err := decode(raw)
		if err != nil || from != want {
			t.Errorf("%q: got %q, %v; want %q", in, from, err, want)
		}
	}
}

// Tenants with one key pair and their own sender share a client, and so its connection pool;
// the sender travels in each request.
func TestTenantsSharingAKeyPairShareAClient(t *testing.T) {
	fake := newFake(t)
	s := New()
	tenants := []connector.Config{
		config(t, fake),
		config(t, fake, func(m map[string]any) {
			m["from"], m["reply_to"] = "noreply@other.example.com", "help@other.example.com"
		}),
	}
	for _, cfg := range tenants {
		if _, err := s.Send(context.Background(), cfg, message(connector.UsageLogin, "otp", "time")); err != nil {
			t.Fatal(err)
		}
	}
	if s.clients.Len() != 1 {
		t.Fatalf("%d clients for one key pair, want 1", s.clients.Len())
	}
	reqs := fake.Requests()
	if reqs[0].String("FromEmailAddress") != "Gatehouse <noreply@mail.example.com>" || reqs[1].String("FromEmailAddress") != "noreply@other.example.com" ||
		reqs[1].String("ReplyToAddresses") != "help@other.example.com" {
		t.Fatalf("senders sent: %v, %v", reqs[0].Params, reqs[1].Params)
	}
	other := config(t, fake, func(m map[string]any) { m["secret_id"] = "AKIDother" })
	s.Send(context.Background(), other, message(connector.UsageLogin, "otp", "time"))
	if s.clients.Len() != 2 {
		t.Fatalf("%d clients, want another one for another key pair", s.clients.Len())
	}
}
