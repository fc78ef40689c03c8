package tencentcloud_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/tencentcloud"
	"github.com/gatehouse-iam/gatehouse/internal/tencentfake"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

var ses = &tencentcloud.Service{Product: "Tencent Cloud SES", Name: "ses", Version: tencentfake.SESVersion}

func settings(fake *tencentfake.Server) tencentcloud.Settings {
	return tencentcloud.Settings{SecretID: "AKIDtest", SecretKey: "right-key", Region: "ap-guangzhou",
		Endpoint: fake.Endpoint(), Scheme: "http", TimeoutMS: 5000}
}

func TestClientsDifferByWhatTheClientDependsOn(t *testing.T) {
	fake := tencentfake.New(t, nil)
	cs := tencentcloud.NewClients(ses)
	base := settings(fake)
	first, _ := cs.Get(base)
	for name, change := range map[string]func(*tencentcloud.Settings){
		"secret id":  func(s *tencentcloud.Settings) { s.SecretID = "AKIDother" },
		"secret key": func(s *tencentcloud.Settings) { s.SecretKey = "other-key" },
		"region":     func(s *tencentcloud.Settings) { s.Region = "ap-hongkong" },
		"endpoint":   func(s *tencentcloud.Settings) { s.Endpoint = "127.0.0.1:1" },
		"scheme":     func(s *tencentcloud.Settings) { s.Scheme = "https" },
		"timeout":    func(s *tencentcloud.Settings) { s.TimeoutMS = 200 },
	} {
		s := base
		change(&s)
		if c, _ := cs.Get(s); c == first {
			t.Errorf("a different %s shares the client", name)
		}
	}
	if cs.Len() != 7 {
		t.Fatalf("%d clients cached, want 7", cs.Len())
	}
}

func TestClientsAreBoundedAndSafeForConcurrentUse(t *testing.T) {
	fake := tencentfake.New(t, nil)
	cs := tencentcloud.NewClients(ses)
	var wg sync.WaitGroup
	got := make([]*tencentcloud.Client, 200)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := settings(fake)
			s.SecretID = fmt.Sprintf("AKID%d", i%100)
			got[i], _ = cs.Get(s)
		}()
	}
	wg.Wait()
	if cs.Len() != 64 {
		t.Fatalf("%d clients cached, want the bound, 64", cs.Len())
	}
	// With room for every key pair, concurrent callers of one key pair get one client.
	cs = tencentcloud.NewClients(ses)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = cs.Get(settings(fake)) }()
	}
	wg.Wait()
	for _, c := range got {
		if c != got[0] {
			t.Fatal("concurrent callers of one key pair got different clients")
		}
	}
}

func TestSecretsStayOutOfKeysAndErrors(t *testing.T) {
	fake := tencentfake.New(t, map[string]string{"AKIDtest": "right-key"})
	cs := tencentcloud.NewClients(ses)
	s := settings(fake)
	s.SecretKey = "wrong-key-do-not-show"
	c, _ := cs.Get(s)
	err := c.Call(context.Background(), "ListEmailAddress", map[string]any{}, nil, "")
	var e *connector.Error
	if !errors.As(err, &e) || e.Kind != connector.KindInvalidConfig || e.ProviderCode != "AuthFailure.SignatureFailure" {
		t.Fatalf("wrong key: %v", err)
	}
	if strings.Contains(err.Error(), s.SecretKey) {
		t.Fatalf("error holds the secret: %v", err)
	}
}
