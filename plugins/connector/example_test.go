package connector_test

import (
	"context"
	"encoding/json"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// hello is a complete connector: it "delivers" by logging that it sent something.
type hello struct{}

func (hello) Describe() connector.Info {
	return connector.Info{
		Name: "hellosms", DisplayName: "Hello SMS", Version: "0.1.0", Channel: connector.SMS,
		ConfigSchema: json.RawMessage(`{"type":"object","required":["token"],"additionalProperties":false,
			"properties":{"token":{"type":"string","writeOnly":true}}}`),
		Usages:       []connector.Usage{connector.UsageLogin, connector.UsageGeneric},
		TemplateKind: connector.TemplateProvider,
		Placeholders: []string{"code", "ttl_minutes"},
	}
}

type helloConfig struct {
	Token string `json:"token"`
}

func (hello) Validate(_ context.Context, cfg connector.Config, _ bool) error {
	var c helloConfig
	if err := cfg.Decode(&c); err != nil {
		return err
	}
	if c.Token == "" {
		return connector.InvalidConfig("token is required", connector.FieldError{Field: "token", Reason: "required"})
	}
	return nil
}

func (h hello) Send(ctx context.Context, cfg connector.Config, msg connector.Message) (connector.Receipt, error) {
	if err := h.Validate(ctx, cfg, false); err != nil {
		return connector.Receipt{}, err
	}
	if err := ctx.Err(); err != nil {
		return connector.Receipt{}, connector.Unavailable("send abandoned: " + err.Error())
	}
	connector.Logger(ctx).Info("sent", "template", msg.Template.ID) // never log msg.Variables: they hold the code
	return connector.Receipt{MessageID: "hello-1"}, nil
}

// A connector's whole main is one call to Serve. Build it, run it with --describe to see its
// metadata, and drop the binary into the host's plugin directory.
func Example() {
	// func main() { connector.Serve(hello{}) }
	var _ connector.Connector = hello{}
}
