package mock

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/connector/connectortest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

func options(t *testing.T) connectortest.Options {
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	return connectortest.Options{
		ValidConfig:    json.RawMessage(fmt.Sprintf(`{"outbox":%q,"api_key":"k-123456"}`, outbox)),
		SlowConfig:     json.RawMessage(fmt.Sprintf(`{"outbox":%q,"delay_ms":5000}`, outbox)),
		InvalidConfigs: []json.RawMessage{[]byte(`{"outbox":"relative/path"}`), []byte(`{"outbox":"discard","fail":"sometimes"}`), []byte(`{"outbox":"discard","fail":"every_nth"}`), []byte(`{"outbox":"discard","nope":1}`)},
		SecretFields:   []string{"api_key"},
		SendSucceeds:   true,
	}
}

func TestConformanceInProcess(t *testing.T) {
	t.Run("mocksms", func(t *testing.T) { connectortest.Run(t, New(connector.SMS), options(t)) })
	t.Run("mockemail", func(t *testing.T) { connectortest.Run(t, New(connector.Email), options(t)) })
}

func TestConformanceBinary(t *testing.T) {
	t.Run("mocksms", func(t *testing.T) {
		connectortest.RunBinary(t, testbin.Build(t, "./connectors/mocksms"), options(t))
	})
	t.Run("mockemail", func(t *testing.T) {
		connectortest.RunBinary(t, testbin.Build(t, "./connectors/mockemail"), options(t))
	})
}

func readOutbox(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestOutboxRendering(t *testing.T) {
	ctx := context.Background()
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	cfg := connector.Config(fmt.Sprintf(`{"outbox":%q}`, outbox))
	vars := map[string]string{"code": "123456", "ttl_minutes": "1", "app_name": "<Acme>"}

	sms := New(connector.SMS)
	r1, err := sms.Send(ctx, cfg, connector.Message{To: "+8613800000000", Usage: connector.UsageLogin, Locale: "zh",
		Template: connector.Template{ID: "1234567", Params: []string{"code", "ttl_minutes"}}, Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	email := New(connector.Email)
	r2, err := email.Send(ctx, cfg, connector.Message{To: "a@example.com", Usage: connector.UsageSignup,
		Template: connector.Template{Subject: "{{.app_name}} code", Body: "Code {{.code}}", HTMLBody: "<p>{{.app_name}} {{.code}}</p>"}, Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	recs := readOutbox(t, outbox)
	if len(recs) != 2 {
		t.Fatalf("outbox has %d lines, want 2", len(recs))
	}
	if recs[0].ID != r1.MessageID || recs[0].Body != "[1234567] code=123456 ttl_minutes=1" || recs[0].Channel != "sms" || recs[0].Locale != "zh" {
		t.Errorf("sms record = %+v", recs[0])
	}
	if recs[1].ID != r2.MessageID || recs[1].Subject != "<Acme> code" || recs[1].Body != "Code 123456" ||
		recs[1].HTMLBody != "<p>&lt;Acme&gt; 123456</p>" || recs[1].Variables["code"] != "123456" {
		t.Errorf("email record = %+v", recs[1])
	}
}

func TestConcurrentSendsKeepLinesWhole(t *testing.T) {
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	cfg := connector.Config(fmt.Sprintf(`{"outbox":%q}`, outbox))
	c := New(connector.Email)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf("message %d {{.code}} %0500d", i, 0)
			if _, err := c.Send(context.Background(), cfg, connector.Message{To: "a@example.com", Usage: connector.UsageLogin,
				Template: connector.Template{Subject: "s", Body: body}, Variables: map[string]string{"code": "1"}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(readOutbox(t, outbox)); got != n {
		t.Fatalf("outbox has %d lines, want %d", got, n)
	}
}

func TestFailureModes(t *testing.T) {
	ctx := context.Background()
	msg := connector.Message{To: "+15555550100", Usage: connector.UsageLogin, Template: connector.Template{ID: "1"}}
	c := New(connector.SMS)

	_, err := c.Send(ctx, connector.Config(`{"outbox":"discard","fail":"always","fail_kind":"rate_limited","fail_retry_after_seconds":7}`), msg)
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Kind != connector.KindRateLimited || ce.RetryAfter != 7*time.Second || ce.ProviderCode == "" {
		t.Errorf("fail always rate_limited = %#v", err)
	}

	outbox := filepath.Join(t.TempDir(), "o.jsonl")
	cfg := connector.Config(fmt.Sprintf(`{"outbox":%q,"fail":"every_nth","fail_every":3}`, outbox))
	var fails []int
	for i := 1; i <= 7; i++ {
		if _, err := c.Send(ctx, cfg, msg); err != nil {
			if !errors.As(err, &ce) || ce.Kind != connector.KindUnavailable {
				t.Errorf("send %d: %v, want unavailable", i, err)
			}
			fails = append(fails, i)
		}
	}
	if fmt.Sprint(fails) != "[3 6]" {
		t.Errorf("every_nth=3 failed sends %v, want [3 6]", fails)
	}

	_, err = c.Send(ctx, connector.Config(`{"outbox":"discard"}`), connector.Message{To: "12345"})
	if !errors.As(err, &ce) || ce.Kind != connector.KindInvalidRecipient {
		t.Errorf("bad recipient = %v", err)
	}
}
