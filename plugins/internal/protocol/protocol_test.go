package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

func TestProtocolVersionMatchesProto(t *testing.T) {
	src, err := os.ReadFile("connector.proto")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^// protocol version (\d+)$`).FindAllSubmatch(src, -1)
	if len(m) != 1 {
		t.Fatalf("connector.proto must state its version once as a line \"// protocol version N\", found %d", len(m))
	}
	v, _ := strconv.Atoi(string(m[0][1]))
	if v != ProtocolVersion {
		t.Fatalf("connector.proto says protocol version %d, ProtocolVersion is %d", v, ProtocolVersion)
	}
	if Handshake.ProtocolVersion != ProtocolVersion {
		t.Fatalf("Handshake.ProtocolVersion = %d, want %d", Handshake.ProtocolVersion, ProtocolVersion)
	}
	pkg := regexp.MustCompile(`(?m)^package gatehouse\.connector\.v(\d+);$`).FindSubmatch(src)
	if pkg == nil || string(pkg[1]) != strconv.Itoa(ProtocolVersion) {
		t.Fatalf("proto package suffix must be v%d", ProtocolVersion)
	}
}

// fake records what it receives and answers with whatever the test sets.
type fake struct {
	info    sdk.Info
	gotCfg  sdk.Config
	gotVer  bool
	gotMsg  sdk.Message
	err     error
	receipt sdk.Receipt
}

func (f *fake) Describe() sdk.Info { return f.info }
func (f *fake) Validate(_ context.Context, cfg sdk.Config, verify bool) error {
	f.gotCfg, f.gotVer = cfg, verify
	return f.err
}
func (f *fake) Send(_ context.Context, cfg sdk.Config, msg sdk.Message) (sdk.Receipt, error) {
	f.gotCfg, f.gotMsg = cfg, msg
	return f.receipt, f.err
}

func connect(t *testing.T, impl sdk.Connector) *Client {
	t.Helper()
	// Closing the client asks the server to shut down (go-plugin's Shutdown RPC); stopping the
	// server here as well would race with that.
	client, _ := plugin.TestPluginGRPCConn(t, false, PluginSet(impl, nil))
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(*Client)
}

func TestRoundTrip(t *testing.T) {
	f := &fake{
		info: sdk.Info{
			Name: "fake", DisplayName: "Fake", Version: "1.2.3", Description: "d", Channel: sdk.Email,
			ConfigSchema: json.RawMessage(`{"type":"object","properties":{"k":{"type":"string","writeOnly":true}}}`),
			Usages:       []sdk.Usage{sdk.UsageLogin, sdk.UsageGeneric}, TemplateKind: sdk.TemplateContent,
			Placeholders: []string{"code", "ttl_minutes"},
		},
		receipt: sdk.Receipt{MessageID: "msg-1"},
	}
	c := connect(t, f)
	ctx := context.Background()

	if got := c.Describe(); !reflect.DeepEqual(got, f.info) {
		t.Errorf("Describe = %+v\nwant       %+v", got, f.info)
	}

	cfg := sdk.Config(`{"k":"v"}`)
	if err := c.Validate(ctx, cfg, true); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if string(f.gotCfg) != string(cfg) || !f.gotVer {
		t.Errorf("server got config %s verify %v", f.gotCfg, f.gotVer)
	}

	msg := sdk.Message{To: "a@example.com", Usage: sdk.UsageLogin, Locale: "fr",
		Template:  sdk.Template{ID: "t1", Params: []string{"code"}, Subject: "S {{.code}}", Body: "B", HTMLBody: "<b>H</b>"},
		Variables: map[string]string{"code": "123456", "ttl_minutes": "5"}}
	r, err := c.Send(ctx, cfg, msg)
	if err != nil || r.MessageID != "msg-1" {
		t.Fatalf("Send = %+v, %v", r, err)
	}
	if !reflect.DeepEqual(f.gotMsg, msg) {
		t.Errorf("server got message %+v\nwant                %+v", f.gotMsg, msg)
	}
}

func TestErrorsRoundTrip(t *testing.T) {
	f := &fake{info: sdk.Info{Name: "fake"}}
	c := connect(t, f)
	ctx := context.Background()
	cases := []*sdk.Error{
		sdk.InvalidConfig("bad config", sdk.FieldError{Field: "api_key", Reason: "required"}, sdk.FieldError{Field: "region", Reason: "unknown"}),
		sdk.InvalidRecipient("not a number"),
		{Kind: sdk.KindRateLimited, Message: "slow down", RetryAfter: 1500*time.Millisecond + 7, ProviderCode: "LimitExceeded.PhoneNumberDailyLimit"},
		sdk.QuotaExceeded("no balance"),
		sdk.Rejected("FailedOperation.TemplateIncorrect", "template refused"),
		sdk.Unavailable("provider down"),
	}
	for _, want := range cases {
		t.Run(string(want.Kind), func(t *testing.T) {
			f.err = want
			err := c.Validate(ctx, sdk.Config(`{}`), false)
			var got *sdk.Error
			if !errors.As(err, &got) || !reflect.DeepEqual(got, want) {
				t.Errorf("Validate error = %#v\nwant             %#v", got, want)
			}
			_, err = c.Send(ctx, sdk.Config(`{}`), sdk.Message{})
			if !errors.As(err, &got) || !reflect.DeepEqual(got, want) {
				t.Errorf("Send error = %#v\nwant         %#v", got, want)
			}
		})
	}
	t.Run("untyped becomes unavailable", func(t *testing.T) {
		f.err = errors.New("boom")
		err := c.Validate(ctx, sdk.Config(`{}`), false)
		var got *sdk.Error
		if !errors.As(err, &got) || got.Kind != sdk.KindUnavailable || got.Message != "boom" {
			t.Errorf("error = %#v, want unavailable boom", got)
		}
	})
	t.Run("unknown kind becomes unavailable", func(t *testing.T) {
		f.err = &sdk.Error{Kind: "exploded", Message: "m"}
		err := c.Validate(ctx, sdk.Config(`{}`), false)
		var got *sdk.Error
		if !errors.As(err, &got) || got.Kind != sdk.KindUnavailable {
			t.Errorf("error = %#v, want unavailable", got)
		}
	})
}

func TestTransportErrorIsTypedUnavailable(t *testing.T) {
	f := &fake{info: sdk.Info{Name: "fake"}}
	client, server := plugin.TestPluginGRPCConn(t, false, PluginSet(f, nil))
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatal(err)
	}
	server.Stop()
	client.Close()
	err = raw.(*Client).Validate(context.Background(), sdk.Config(`{}`), false)
	var got *sdk.Error
	if !errors.As(err, &got) || got.Kind != sdk.KindUnavailable {
		t.Fatalf("error = %v, want typed unavailable", err)
	}
	if _, ok := IsTransport(err); !ok {
		t.Errorf("IsTransport(%v) = false", err)
	}
}

func TestRecoverUnary(t *testing.T) {
	intercept := RecoverUnary(nil)
	info := &grpc.UnaryServerInfo{FullMethod: Connector_Send_FullMethodName}
	resp, err := intercept(context.Background(), &SendRequest{}, info, func(context.Context, any) (any, error) {
		panic("connector bug")
	})
	if resp != nil || err == nil {
		t.Fatalf("interceptor = %v, %v; want a status error", resp, err)
	}
	var got *sdk.Error
	if !errors.As(callError("send", err), &got) || got.Kind != sdk.KindUnavailable || got.Message != PanicMessage {
		t.Fatalf("client sees %#v, want unavailable %q", got, PanicMessage)
	}
	// No panic: the handler's answer passes through untouched.
	resp, err = intercept(context.Background(), &SendRequest{}, info, func(context.Context, any) (any, error) {
		return &SendResponse{Receipt: &Receipt{MessageId: "x"}}, nil
	})
	if err != nil || resp.(*SendResponse).GetReceipt().GetMessageId() != "x" {
		t.Fatalf("interceptor = %v, %v", resp, err)
	}
}

// A plugin started by Command (the host's and the connectortest kit's way) is told who
// started it and, when asked for, how many threads to run Go code on; it is given nothing else
// of the starter's environment.
func TestCommandEnvironment(t *testing.T) {
	starter := HostPIDEnv + "=" + strconv.Itoa(os.Getpid())
	if env := Command("connector", 0).Env; !slices.Equal(env, []string{starter}) {
		t.Errorf("env = %q, want just %s", env, starter)
	}
	if env := Command("connector", 3).Env; !slices.Equal(env, []string{starter, "GOMAXPROCS=3"}) {
		t.Errorf("env = %q, want %s and GOMAXPROCS=3", env, starter)
	}
}
