package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/recipient"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/redact"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/tencentcloud"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	// Name is the connector type.
	Name = "tencentses"
	// Version is this connector's version.
	Version = "0.1.0"
)

//go:embed schema.json
var configSchema []byte

// Config is the connector instance's configuration.
type Config struct {
	tencentcloud.Settings
	From    string `json:"from"`
	ReplyTo string `json:"reply_to,omitempty"`
}

var digitsRe = regexp.MustCompile(`^[0-9]+$`)

// decode parses and checks cfg, filling defaults. It returns the sender formatted the way
// SendEmail wants it: "alias <address>" with exactly one space, or the bare address.
func decode(raw connector.Config) (Config, string, error) {
	var c Config
	if err := raw.Decode(&c); err != nil {
		return c, "", err
	}
	var p tencentcloud.Problems
	c.CheckCredentials(&p)
	p.Require("from", c.From)
	c.CheckEndpoint(api, &p)
	var from string
	if c.From != "" {
		a, err := mail.ParseAddress(c.From)
		switch {
		case err != nil:
			p.Add("from", "must be an address, optionally with a display name: Name <noreply@example.com>")
		case strings.Contains(a.Name, ":"):
			p.Add("from", "the display name may not contain a colon")
		case a.Name != "":
			from = a.Name + " <" + a.Address + ">"
		default:
			from = a.Address
		}
	}
	if c.ReplyTo != "" {
		if a, err := mail.ParseAddress(c.ReplyTo); err != nil || a.Name != "" {
			p.Add("reply_to", "must be a bare email address")
		}
	}
	c.CheckTimeout(&p)
	if err := p.Err(api); err != nil {
		return c, "", err
	}
	return c, from, nil
}

// SES is the Tencent Cloud SES connector.
type SES struct {
	clients *tencentcloud.Clients
}

// New returns the connector.
func New() *SES {
	return &SES{clients: tencentcloud.NewClients(api)}
}

// Describe implements connector.Connector.
func (s *SES) Describe() connector.Info {
	return connector.Info{
		Name:         Name,
		DisplayName:  "Tencent Cloud SES",
		Version:      Version,
		Description:  "Sends email through Tencent Cloud Simple Email Service (SendEmail, API 2020-10-02) with templates approved in the SES console.",
		Channel:      connector.Email,
		ConfigSchema: json.RawMessage(configSchema),
		Usages:       append([]connector.Usage(nil), connector.Usages...),
		TemplateKind: connector.TemplateProvider,
		Placeholders: []string{"otp", "time", "name", "mailverifycode", "code", "ttl_seconds", "ttl_minutes", "username", "app_name"},
	}
}

// client returns the cached client for cfg, building it on first use.
func (s *SES) client(cfg Config) (*tencentcloud.Client, error) {
	return s.clients.Get(cfg.Settings)
}

// Validate implements connector.Connector. With verify it lists the account's sender
// addresses, an authenticated read that proves SecretId, SecretKey and region without
// sending anything.
func (s *SES) Validate(ctx context.Context, raw connector.Config, verify bool) error {
	cfg, _, err := decode(raw)
	if err != nil || !verify {
		return err
	}
	c, err := s.client(cfg)
	if err != nil {
		return err
	}
	return c.Call(ctx, "ListEmailAddress", map[string]any{}, nil, "")
}

// Send implements connector.Connector.
func (s *SES) Send(ctx context.Context, raw connector.Config, msg connector.Message) (connector.Receipt, error) {
	cfg, from, err := decode(raw)
	if err != nil {
		return connector.Receipt{}, err
	}
	if err := recipient.Email(msg.To); err != nil {
		return connector.Receipt{}, err
	}
	tpl, err := template(msg)
	if err != nil {
		return connector.Receipt{}, err
	}
	c, err := s.client(cfg)
	if err != nil {
		return connector.Receipt{}, err
	}
	body := map[string]any{
		"FromEmailAddress": from,
		"Destination":      []string{msg.To},
		"Subject":          msg.Template.Subject,
		"Template":         tpl,
		// 1 = triggered mail (verification codes, transactional), sent immediately.
		"TriggerType": 1,
	}
	if cfg.ReplyTo != "" {
		body["ReplyToAddresses"] = cfg.ReplyTo
	}
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if err := c.Call(ctx, "SendEmail", body, &out, "mail to "+redact.Email(msg.To)); err != nil {
		return connector.Receipt{}, err
	}
	if out.MessageID == "" {
		return connector.Receipt{}, connector.Unavailable("Tencent Cloud SES returned no MessageId")
	}
	return connector.Receipt{MessageID: out.MessageID}, nil
}

// template builds SendEmail's Template: the numeric template id and TemplateData, a JSON
// object string holding exactly the variables Template.Params names (for Tencent's guide
// templates: otp and time; name, mailverifycode and time; or name), looked up by name.
func template(msg connector.Message) (map[string]any, error) {
	id := strings.TrimSpace(msg.Template.ID)
	if id == "" || !digitsRe.MatchString(id) {
		return nil, connector.InvalidConfig("Tencent Cloud SES needs the numeric template id for usage "+string(msg.Usage),
			connector.FieldError{Field: "templates", Reason: "template id must be numeric"})
	}
	tid, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, connector.InvalidConfig("template id out of range", connector.FieldError{Field: "templates", Reason: "template id out of range"})
	}
	if strings.TrimSpace(msg.Template.Subject) == "" {
		return nil, connector.InvalidConfig("Tencent Cloud SES requires a subject for usage "+string(msg.Usage),
			connector.FieldError{Field: "templates", Reason: "subject is required"})
	}
	values, err := tencentcloud.TemplateValues(msg)
	if err != nil {
		return nil, err
	}
	data := make(map[string]string, len(values))
	for i, name := range msg.Template.Params {
		data[name] = values[i]
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, connector.InvalidConfig("cannot encode template data")
	}
	return map[string]any{"TemplateID": tid, "TemplateData": string(b)}, nil
}

// api is Tencent Cloud SES, API 2020-10-02. Tencent documents ap-guangzhou and ap-hongkong on
// ses.tencentcloudapi.com (the SDK's default) and ap-singapore on the international site's
// ses.intl.tencentcloudapi.com. Its codes follow Tencent's SES 2020-10-02 error list; see
// README.md.
var api = &tencentcloud.Service{
	Product: "Tencent Cloud SES",
	Name:    "ses",
	Version: "2020-10-02",
	Endpoints: map[string]string{
		"ap-guangzhou": "",
		"ap-hongkong":  "",
		"ap-singapore": "ses.intl.tencentcloudapi.com",
	},
	Codes: tencentcloud.Codes{
		RateLimited: map[string]time.Duration{
			"FailedOperation.FrequencyLimit":  0,
			"FailedOperation.ExceedSendLimit": 0,
		},
		QuotaExceeded: map[string]bool{
			"FailedOperation.InsufficientBalance": true,
			"FailedOperation.InsufficientQuota":   true,
		},
		InvalidRecipient: map[string]bool{
			"FailedOperation.EmailAddrInBlacklist":       true,
			"FailedOperation.IncorrectEmail":             true,
			"InvalidParameterValue.ReceiverEmailInvalid": true,
			"InvalidParameterValue.IllegalEmailAddress":  true,
		},
		InvalidConfig: map[string]bool{
			"FailedOperation.TemplateNotApproved":    true,
			"FailedOperation.InvalidTemplateID":      true,
			"InvalidParameterValue.TemplateNotExist": true,
			"OperationDenied.TemplateStatusError":    true,
			"FailedOperation.NotAuthenticatedSender": true,
			"FailedOperation.IncorrectSender":        true,
			"InvalidParameterValue.NoSuchSender":     true,
			"OperationDenied.SendAddressStatusError": true,
			"OperationDenied.DomainNotVerified":      true,
			"FailedOperation.UnsupportMailType":      true,
			"FailedOperation.WithOutPermission":      true,
		},
		Unavailable: map[string]bool{
			"FailedOperation.ServiceNotAvailable": true,
		},
	},
}
