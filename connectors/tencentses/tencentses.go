package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/clientcache"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/redact"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/tencentcloud"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	// Name is the connector type.
	Name = "tencentses"
	// Version is this connector's version.
	Version = "0.1.0"

	apiVersion = "2020-10-02"
	service    = "ses"

	defaultRegion  = "ap-guangzhou"
	defaultTimeout = 10 * time.Second
	maxTimeout     = 60 * time.Second
	cacheSize      = 64

	// intlEndpoint serves the international site's region. The Chinese site's regions use the
	// SDK's default, ses.tencentcloudapi.com.
	intlEndpoint = "ses.intl.tencentcloudapi.com"
)

// regions maps the regions SendEmail supports to their default endpoint ("" = SDK default).
// Tencent documents ap-guangzhou and ap-hongkong on ses.tencentcloudapi.com and ap-singapore on
// the international site's ses.intl.tencentcloudapi.com.
var regions = map[string]string{
	"ap-guangzhou": "",
	"ap-hongkong":  "",
	"ap-singapore": intlEndpoint,
}

//go:embed schema.json
var configSchema []byte

// Config is the connector instance's configuration.
type Config struct {
	SecretID  string `json:"secret_id"`
	SecretKey string `json:"secret_key"`
	Region    string `json:"region,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Scheme    string `json:"scheme,omitempty"`
	From      string `json:"from"`
	ReplyTo   string `json:"reply_to,omitempty"`
	TimeoutMS int    `json:"timeout_ms,omitempty"`
}

var digitsRe = regexp.MustCompile(`^[0-9]+$`)

// decode parses and checks cfg, filling defaults. It returns the sender formatted the way
// SendEmail wants it: "alias <address>" with exactly one space, or the bare address.
func decode(raw connector.Config) (Config, string, error) {
	var c Config
	if err := raw.Decode(&c); err != nil {
		return c, "", err
	}
	var bad []connector.FieldError
	req := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			bad = append(bad, connector.FieldError{Field: field, Reason: "required"})
		}
	}
	req("secret_id", c.SecretID)
	req("secret_key", c.SecretKey)
	req("from", c.From)
	if c.Region == "" {
		c.Region = defaultRegion
	}
	if _, ok := regions[c.Region]; !ok {
		bad = append(bad, connector.FieldError{Field: "region", Reason: "must be ap-guangzhou, ap-hongkong or ap-singapore"})
	}
	switch c.Scheme {
	case "":
		c.Scheme = "https"
	case "https", "http":
	default:
		bad = append(bad, connector.FieldError{Field: "scheme", Reason: `must be "https" or "http"`})
	}
	if c.Endpoint != "" && !validEndpoint(c.Endpoint) {
		bad = append(bad, connector.FieldError{Field: "endpoint", Reason: "must be host or host:port, without scheme or path"})
	}
	var from string
	if c.From != "" {
		a, err := mail.ParseAddress(c.From)
		switch {
		case err != nil:
			bad = append(bad, connector.FieldError{Field: "from", Reason: "must be an address, optionally with a display name: Name <noreply@example.com>"})
		case strings.Contains(a.Name, ":"):
			bad = append(bad, connector.FieldError{Field: "from", Reason: "the display name may not contain a colon"})
		case a.Name != "":
			from = a.Name + " <" + a.Address + ">"
		default:
			from = a.Address
		}
	}
	if c.ReplyTo != "" {
		if a, err := mail.ParseAddress(c.ReplyTo); err != nil || a.Name != "" {
			bad = append(bad, connector.FieldError{Field: "reply_to", Reason: "must be a bare email address"})
		}
	}
	switch {
	case c.TimeoutMS == 0:
		c.TimeoutMS = int(defaultTimeout / time.Millisecond)
	case c.TimeoutMS < 100 || time.Duration(c.TimeoutMS)*time.Millisecond > maxTimeout:
		bad = append(bad, connector.FieldError{Field: "timeout_ms", Reason: "must be between 100 and 60000"})
	}
	if len(bad) > 0 {
		return c, "", connector.InvalidConfig("invalid Tencent Cloud SES configuration", bad...)
	}
	return c, from, nil
}

func validEndpoint(e string) bool {
	if strings.ContainsAny(e, "/?# ") {
		return false
	}
	host := e
	if h, port, err := net.SplitHostPort(e); err == nil {
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return false
		}
		host = h
	}
	return host != ""
}

func (c Config) timeout() time.Duration { return time.Duration(c.TimeoutMS) * time.Millisecond }

func (c Config) endpoint() string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	return regions[c.Region]
}

// SES is the Tencent Cloud SES connector.
type SES struct {
	clients *clientcache.Cache[*common.Client]
}

// New returns the connector.
func New() *SES {
	return &SES{clients: clientcache.New[*common.Client](cacheSize, nil)}
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

func (s *SES) client(cfg Config) (*common.Client, error) {
	key, err := clientcache.Key(cfg)
	if err != nil {
		return nil, connector.InvalidConfig(err.Error())
	}
	return s.clients.Get(key, func() (*common.Client, error) {
		return tencentcloud.NewClient(tencentcloud.Options{
			SecretID: cfg.SecretID, SecretKey: cfg.SecretKey, Region: cfg.Region,
			Endpoint: cfg.endpoint(), Scheme: cfg.Scheme, Timeout: cfg.timeout(),
		}), nil
	})
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
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	if err := tencentcloud.Call(ctx, c, service, apiVersion, "ListEmailAddress", map[string]any{}, nil); err != nil {
		return mapFailure(tencentcloud.Classify(err), "")
	}
	return nil
}

// Send implements connector.Connector.
func (s *SES) Send(ctx context.Context, raw connector.Config, msg connector.Message) (connector.Receipt, error) {
	cfg, from, err := decode(raw)
	if err != nil {
		return connector.Receipt{}, err
	}
	to, err := recipient(msg.To)
	if err != nil {
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
		"Destination":      []string{to},
		"Subject":          msg.Template.Subject,
		"Template":         tpl,
		// 1 = triggered mail (verification codes, transactional), sent immediately.
		"TriggerType": 1,
	}
	if cfg.ReplyTo != "" {
		body["ReplyToAddresses"] = cfg.ReplyTo
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if err := tencentcloud.Call(ctx, c, service, apiVersion, "SendEmail", body, &out); err != nil {
		return connector.Receipt{}, mapFailure(tencentcloud.Classify(err), to)
	}
	if out.MessageID == "" {
		return connector.Receipt{}, connector.Unavailable("Tencent Cloud SES returned no MessageId")
	}
	return connector.Receipt{MessageID: out.MessageID}, nil
}

func recipient(to string) (string, error) {
	a, err := mail.ParseAddress(to)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(to) {
		return "", connector.InvalidRecipient("recipient is not a bare email address")
	}
	return a.Address, nil
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
	data := make(map[string]string, len(msg.Template.Params))
	for _, name := range msg.Template.Params {
		v, ok := msg.Variables[name]
		if !ok {
			return nil, connector.InvalidConfig(fmt.Sprintf("template %s uses variable %q, which this message does not carry", id, name),
				connector.FieldError{Field: "templates", Reason: "unknown variable " + name})
		}
		data[name] = v
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, connector.InvalidConfig("cannot encode template data")
	}
	return map[string]any{"TemplateID": tid, "TemplateData": string(b)}, nil
}

// The code sets below follow Tencent's SES 2020-10-02 error list; see README.md.
var (
	rateLimitedCodes = map[string]bool{
		"FailedOperation.FrequencyLimit":  true,
		"FailedOperation.ExceedSendLimit": true,
	}
	quotaCodes = map[string]bool{
		"FailedOperation.InsufficientBalance": true,
		"FailedOperation.InsufficientQuota":   true,
	}
	recipientCodes = map[string]bool{
		"FailedOperation.EmailAddrInBlacklist":       true,
		"FailedOperation.IncorrectEmail":             true,
		"InvalidParameterValue.ReceiverEmailInvalid": true,
		"InvalidParameterValue.IllegalEmailAddress":  true,
	}
	configCodes = map[string]bool{
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
	}
	unavailableCodes = map[string]bool{
		"InternalError":                       true,
		"FailedOperation.ServiceNotAvailable": true,
	}
)

// mapFailure turns a failed call into the connector's typed error (table in README.md).
func mapFailure(f tencentcloud.Failure, to string) error {
	if f.Transport {
		return connector.Unavailable("Tencent Cloud SES unreachable: " + f.Message)
	}
	msg := "Tencent Cloud SES: " + redact.Text(f.Message)
	if to != "" {
		msg = fmt.Sprintf("Tencent Cloud SES refused mail to %s: %s", redact.Email(to), redact.Text(f.Message))
	}
	var e *connector.Error
	switch code := f.Code; {
	case rateLimitedCodes[code] || code == "LimitExceeded" || strings.HasPrefix(code, "LimitExceeded.") || strings.HasPrefix(code, "RequestLimitExceeded"):
		e = connector.RateLimited(0, msg)
	case strings.HasPrefix(code, "AuthFailure.") || configCodes[code]:
		e = connector.InvalidConfig(msg)
	case quotaCodes[code]:
		e = connector.QuotaExceeded(msg)
	case recipientCodes[code]:
		e = connector.InvalidRecipient(msg)
	case unavailableCodes[code] || strings.HasPrefix(code, "InternalError."):
		e = connector.Unavailable(msg)
	default:
		return connector.Rejected(code, msg)
	}
	e.ProviderCode = f.Code
	return e
}
