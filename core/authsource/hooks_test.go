package authsource_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// messages is a fake message service: the pool's SMS connector takes codes of at most limit
// characters; sent keeps what Send was asked.
type messages struct {
	limit int
	sent  []messaging.Message
	err   error
}

func (m *messages) Send(_ context.Context, msg messaging.Message) (domain.Delivery, error) {
	if m.err != nil {
		return domain.Delivery{}, m.err
	}
	m.sent = append(m.sent, msg)
	return domain.Delivery{MessageID: "m1"}, nil
}

func (m *messages) MaxCodeLength(_ context.Context, _, channel string) (int, string, error) {
	if channel == domain.ChannelSMS {
		return m.limit, "shortsms", nil
	}
	return 0, "mockemail", nil
}

func auditLog(s *authsource.Service) *fake.AuditLog { return s.Audit.Log.(*fake.AuditLog) }

func TestChangesAreAudited(t *testing.T) {
	svc, _ := newService()
	ctx := context.Background()
	src, err := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "sms_otp", Settings: authsource.Settings{Name: ptr("SMS")}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.Disable(ctx, "p1", src.ID); err != nil {
		t.Fatal(err)
	}
	must(svc.Update(ctx, authsource.UpdateRequest{PoolID: "p1", ID: src.ID, Settings: authsource.Settings{Name: ptr("SMS 2")}}))
	must(svc.Enable(ctx, "p1", src.ID))
	must(svc.Enable(ctx, "p1", src.ID)) // already enabled: no change, no row
	must(svc.Delete(ctx, "p1", src.ID))
	log := auditLog(svc)
	want := []string{authsource.ActionCreate, authsource.ActionDisable, authsource.ActionUpdate, authsource.ActionEnable, authsource.ActionDelete}
	if got := log.Actions(); !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	upd := log.Events[2]
	if upd.ObjectType != "auth_source" || upd.ObjectID != src.ID || upd.Before["name"] != "SMS" || upd.After["name"] != "SMS 2" {
		t.Fatalf("update row %+v", upd)
	}
}

func TestFailedAuditWriteFailsTheChange(t *testing.T) {
	svc, _ := newService()
	ctx := context.Background()
	src, err := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "sms_otp", Settings: authsource.Settings{Name: ptr("SMS")}})
	if err != nil {
		t.Fatal(err)
	}
	auditLog(svc).Fail = errors.New("disk full")
	if _, err := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "email_otp", Settings: authsource.Settings{Name: ptr("Mail")}}); err == nil {
		t.Error("create succeeded although its audit write failed")
	}
	if _, _, err := svc.Disable(ctx, "p1", src.ID); err == nil {
		t.Error("disable succeeded although its audit write failed")
	}
	if _, err := svc.Delete(ctx, "p1", src.ID); err == nil {
		t.Error("delete succeeded although its audit write failed")
	}
}

func TestCodeLengthFollowsTheConnector(t *testing.T) {
	svc, _ := newService()
	msgs := &messages{limit: 4}
	svc.Messages = msgs
	ctx := context.Background()
	create := func(name, typ string, length int) (*domain.AuthSource, error) {
		return svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: typ, Enabled: ptr(false),
			Settings: authsource.Settings{Name: ptr(name), Policy: &authsource.PolicyInput{CodeLength: ptr(length)}}})
	}
	if _, err := create("six", "sms_otp", 6); code(err) != "code_length_exceeds_connector policy.code_length" {
		t.Fatalf("6 digits on a 4-digit connector: %v", err)
	}
	if list, _ := svc.List(ctx, "p1", ports.AuthSourceQuery{}); len(list.Items) != 0 {
		t.Fatal("a refused source was stored")
	}
	src, err := create("four", "sms_otp", 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := create("mail", "email_otp", 8); err != nil {
		t.Fatalf("the SMS connector's limit applied to email: %v", err)
	}
	if _, err := svc.Update(ctx, authsource.UpdateRequest{PoolID: "p1", ID: src.ID,
		Settings: authsource.Settings{Policy: &authsource.PolicyInput{CodeLength: ptr(5)}}}); code(err) != "code_length_exceeds_connector policy.code_length" {
		t.Fatalf("edit to 5: %v", err)
	}
	// The pool moved to a connector taking 3 digits: the 4-digit source cannot be enabled.
	msgs.limit = 3
	if _, err := svc.Enable(ctx, "p1", src.ID); code(err) != "code_length_exceeds_connector policy.code_length" {
		t.Fatalf("enable under a 3-digit connector: %v", err)
	}
	if got, _ := svc.Get(ctx, "p1", src.ID); got.Enabled || got.Policy.CodeLength != 4 {
		t.Fatalf("refused changes were stored: %+v", got)
	}
	msgs.limit = 0 // no limit declared
	if _, err := svc.Enable(ctx, "p1", src.ID); err != nil {
		t.Fatal(err)
	}
}

func TestTestSendsAnOTP(t *testing.T) {
	svc, _ := newService()
	msgs := &messages{}
	svc.Messages = msgs
	ctx := context.Background()
	sms, _ := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "sms_otp",
		Settings: authsource.Settings{Name: ptr("SMS"), Policy: &authsource.PolicyInput{CodeLength: ptr(5), CodeTTLSeconds: ptr(90)}}})
	mail, _ := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "email_otp", Settings: authsource.Settings{Name: ptr("Mail")}})
	pw, _ := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "username_password", Settings: authsource.Settings{Name: ptr("PW")}})
	off, _ := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "sms_otp", Enabled: ptr(false), Settings: authsource.Settings{Name: ptr("Off")}})

	d, err := svc.Test(ctx, authsource.TestRequest{PoolID: "p1", ID: sms.ID, PhoneNumber: "13612345678"})
	if err != nil || d.MessageID != "m1" || len(msgs.sent) != 1 {
		t.Fatalf("%+v %v", d, err)
	}
	m := msgs.sent[0]
	if m.PoolID != "p1" || m.Channel != domain.ChannelSMS || m.Usage != domain.UsageTest || m.To != "+8613612345678" ||
		!regexp.MustCompile(`^[0-9]{5}$`).MatchString(m.Variables["code"]) || m.Variables["otp"] != m.Variables["code"] ||
		m.Variables["ttl_seconds"] != "90" || m.Variables["time"] != "90" || m.Variables["ttl_minutes"] != "2" {
		t.Fatalf("message %+v", m)
	}
	if _, err := svc.Test(ctx, authsource.TestRequest{PoolID: "p1", ID: mail.ID, Email: "Bob@Example.com"}); err != nil ||
		msgs.sent[1].Channel != domain.ChannelEmail || msgs.sent[1].To != "bob@example.com" || len(msgs.sent[1].Variables["code"]) != 6 {
		t.Fatalf("email test: %v %+v", err, msgs.sent)
	}
	for _, tc := range []struct {
		name string
		req  authsource.TestRequest
		want string
	}{
		{"password source", authsource.TestRequest{ID: pw.ID, PhoneNumber: "13612345678"}, authsource.CodeNotOTPSource},
		{"disabled", authsource.TestRequest{ID: off.ID, PhoneNumber: "13612345678"}, authsource.CodeSourceDisabled},
		{"bad phone", authsource.TestRequest{ID: sms.ID, PhoneNumber: "136-abc"}, "malformed_phone_number phone_number"},
		{"bad email", authsource.TestRequest{ID: mail.ID, Email: "bob@"}, "malformed_email email"},
		{"email to sms", authsource.TestRequest{ID: sms.ID, Email: "bob@example.com"}, "invalid_request email"},
		{"phone to email", authsource.TestRequest{ID: mail.ID, PhoneNumber: "13612345678"}, "invalid_request phone_number"},
		{"no recipient", authsource.TestRequest{ID: sms.ID}, "invalid_request phone_number"},
		{"another pool", authsource.TestRequest{PoolID: "p2", ID: sms.ID, PhoneNumber: "13612345678"}, "not_found"},
	} {
		if tc.req.PoolID == "" {
			tc.req.PoolID = "p1"
		}
		if _, err := svc.Test(ctx, tc.req); code(err) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, code(err), tc.want)
		}
	}
	if len(msgs.sent) != 2 {
		t.Fatalf("refused tests sent %d messages", len(msgs.sent)-2)
	}
	// The message service's errors (quota) come back as they are.
	msgs.err = domain.InsufficientQuota(domain.ChannelSMS)
	if _, err := svc.Test(ctx, authsource.TestRequest{PoolID: "p1", ID: sms.ID, PhoneNumber: "13612345678"}); code(err) != domain.CodeInsufficientSMSQuota {
		t.Fatalf("quota: %v", err)
	}
}

// The message settings change under the pool lock. An edit or enable that waited for that lock
// while the pool moved to a connector taking shorter codes must check against the new one.
func TestCodeLengthIsCheckedUnderThePoolLock(t *testing.T) {
	svc, _ := newService()
	msgs := &messages{limit: 6}
	svc.Messages = msgs
	ctx := context.Background()
	src, err := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "sms_otp", Enabled: ptr(false),
		Settings: authsource.Settings{Name: ptr("SMS"), Policy: &authsource.PolicyInput{CodeLength: ptr(4)}}})
	if err != nil {
		t.Fatal(err)
	}
	pools := svc.Locker.(*fake.Pools)
	pools.OnLock = func(string) { msgs.limit = 4 } // the settings change commits
	if _, err := svc.Update(ctx, authsource.UpdateRequest{PoolID: "p1", ID: src.ID,
		Settings: authsource.Settings{Policy: &authsource.PolicyInput{CodeLength: ptr(6)}}}); code(err) != "code_length_exceeds_connector policy.code_length" {
		t.Fatalf("edit to 6 while the pool moves to a 4-digit connector: %v", err)
	}
	if got, _ := svc.Get(ctx, "p1", src.ID); got.Policy.CodeLength != 4 {
		t.Fatalf("refused edit stored: %+v", got.Policy)
	}

	// The source is saved with 6 digits under the old connector; the switch to 3 digits
	// commits while Enable waits.
	msgs.limit, pools.OnLock = 6, nil
	if _, err := svc.Update(ctx, authsource.UpdateRequest{PoolID: "p1", ID: src.ID,
		Settings: authsource.Settings{Policy: &authsource.PolicyInput{CodeLength: ptr(6)}}}); err != nil {
		t.Fatal(err)
	}
	pools.OnLock = func(string) { msgs.limit = 3 }
	if _, err := svc.Enable(ctx, "p1", src.ID); code(err) != "code_length_exceeds_connector policy.code_length" {
		t.Fatalf("enable while the pool moves to a 3-digit connector: %v", err)
	}
	if got, _ := svc.Get(ctx, "p1", src.ID); got.Enabled {
		t.Fatal("refused enable stored")
	}
}

// A pool delete commits while an enable waits for the pool lock: the enable finds no pool.
func TestEnableWaitsForThePoolLock(t *testing.T) {
	svc, _ := newService()
	ctx := context.Background()
	src, err := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: "sms_otp", Enabled: ptr(false),
		Settings: authsource.Settings{Name: ptr("SMS")}})
	if err != nil {
		t.Fatal(err)
	}
	pools := svc.Locker.(*fake.Pools)
	pools.OnLock = func(string) { pools.IDs = []string{"p2"} }
	if _, err := svc.Enable(ctx, "p1", src.ID); code(err) != "not_found" {
		t.Fatalf("enable in a deleted pool: %v", err)
	}
	if got, _ := svc.Get(ctx, "p1", src.ID); got.Enabled {
		t.Fatal("enabled in a deleted pool")
	}
}
