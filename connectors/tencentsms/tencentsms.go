package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
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
	Name = "tencentsms"
	// Version is this connector's version.
	Version = "0.1.0"

	apiVersion = "2021-01-11"
	service    = "sms"

	defaultRegion  = "ap-guangzhou"
	defaultTimeout = 10 * time.Second
	maxTimeout     = 60 * time.Second

	// MaxCodeLength is the longest verification code Tencent Cloud SMS accepts in a
	// verification-code template variable: 6 digits. The schema carries it as
	// "x-max-code-length" so the server can refuse a longer SMS OTP on this connector.
	MaxCodeLength = 6

	// cacheSize bounds how many distinct configurations keep a client in one process.
	cacheSize = 64
)

// CheckCodeLength reports whether a verification code of n digits fits Tencent's template rule.
func CheckCodeLength(n int) error {
	if n > MaxCodeLength {
		return connector.InvalidConfig(fmt.Sprintf("Tencent Cloud SMS verification codes are at most %d digits, not %d", MaxCodeLength, n))
	}
	return nil
}

//go:embed schema.json
var configSchema []byte

// Config is the connector instance's configuration.
type Config struct {
	SecretID  string `json:"secret_id"`
	SecretKey string `json:"secret_key"`
	SdkAppID  string `json:"sdk_app_id"`
	SignName  string `json:"sign_name,omitempty"`
	Region    string `json:"region,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Scheme    string `json:"scheme,omitempty"`
	TimeoutMS int    `json:"timeout_ms,omitempty"`
}

var (
	digitsRe = regexp.MustCompile(`^[0-9]+$`)
	regionRe = regexp.MustCompile(`^[a-z]+(-[a-z]+)+(-[0-9]+)?$`)
	e164Re   = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	// mainlandRe is an 11-digit Chinese mainland mobile number written without country code.
	mainlandRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
)

// decode parses and checks cfg, filling defaults.
func decode(raw connector.Config) (Config, error) {
	var c Config
	if err := raw.Decode(&c); err != nil {
		return c, err
	}
	var bad []connector.FieldError
	req := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			bad = append(bad, connector.FieldError{Field: field, Reason: "required"})
		}
	}
	req("secret_id", c.SecretID)
	req("secret_key", c.SecretKey)
	req("sdk_app_id", c.SdkAppID)
	if c.SdkAppID != "" && !digitsRe.MatchString(c.SdkAppID) {
		bad = append(bad, connector.FieldError{Field: "sdk_app_id", Reason: "must be the numeric SDK AppID, such as 1400000000"})
	}
	if c.Region == "" {
		c.Region = defaultRegion
	} else if !regionRe.MatchString(c.Region) {
		bad = append(bad, connector.FieldError{Field: "region", Reason: "must be a Tencent Cloud region such as ap-guangzhou"})
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
	switch {
	case c.TimeoutMS == 0:
		c.TimeoutMS = int(defaultTimeout / time.Millisecond)
	case c.TimeoutMS < 100 || time.Duration(c.TimeoutMS)*time.Millisecond > maxTimeout:
		bad = append(bad, connector.FieldError{Field: "timeout_ms", Reason: "must be between 100 and 60000"})
	}
	if len(bad) > 0 {
		return c, connector.InvalidConfig("invalid Tencent Cloud SMS configuration", bad...)
	}
	return c, nil
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

// SMS is the Tencent Cloud SMS connector.
type SMS struct {
	clients *clientcache.Cache[*common.Client]
}

// New returns the connector.
func New() *SMS {
	return &SMS{clients: clientcache.New[*common.Client](cacheSize, nil)}
}

// Describe implements connector.Connector.
func (s *SMS) Describe() connector.Info {
	return connector.Info{
		Name:         Name,
		DisplayName:  "Tencent Cloud SMS",
		Version:      Version,
		Description:  "Sends SMS through Tencent Cloud SMS (SendSms, API 2021-01-11) with templates registered and approved in the Tencent Cloud console.",
		Channel:      connector.SMS,
		ConfigSchema: json.RawMessage(configSchema),
		Usages:       append([]connector.Usage(nil), connector.Usages...),
		TemplateKind: connector.TemplateProvider,
		Placeholders: []string{"code", "ttl_seconds", "ttl_minutes", "username", "app_name"},
	}
}

// client returns the cached client for cfg, building it on first use.
func (s *SMS) client(cfg Config) (*common.Client, error) {
	key, err := clientcache.Key(cfg)
	if err != nil {
		return nil, connector.InvalidConfig(err.Error())
	}
	return s.clients.Get(key, func() (*common.Client, error) {
		return tencentcloud.NewClient(tencentcloud.Options{
			SecretID: cfg.SecretID, SecretKey: cfg.SecretKey, Region: cfg.Region,
			Endpoint: cfg.Endpoint, Scheme: cfg.Scheme, Timeout: cfg.timeout(),
		}), nil
	})
}

// Validate implements connector.Connector. With verify it lists one SMS template, an
// authenticated read that proves SecretId, SecretKey and region without sending anything.
func (s *SMS) Validate(ctx context.Context, raw connector.Config, verify bool) error {
	cfg, err := decode(raw)
	if err != nil || !verify {
		return err
	}
	c, err := s.client(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	params := map[string]any{"International": 0, "Limit": 1, "Offset": 0}
	if err := tencentcloud.Call(ctx, c, service, apiVersion, "DescribeSmsTemplateList", params, nil); err != nil {
		return mapFailure(tencentcloud.Classify(err), "")
	}
	return nil
}

type sendStatus struct {
	SerialNo    string `json:"SerialNo"`
	PhoneNumber string `json:"PhoneNumber"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
}

// Send implements connector.Connector.
func (s *SMS) Send(ctx context.Context, raw connector.Config, msg connector.Message) (connector.Receipt, error) {
	cfg, err := decode(raw)
	if err != nil {
		return connector.Receipt{}, err
	}
	phone, err := NormalizePhone(msg.To)
	if err != nil {
		return connector.Receipt{}, err
	}
	if strings.HasPrefix(phone, "+86") && strings.TrimSpace(cfg.SignName) == "" {
		return connector.Receipt{}, connector.InvalidConfig("sign_name is required for Chinese mainland numbers",
			connector.FieldError{Field: "sign_name", Reason: "required for +86 numbers"})
	}
	params, err := templateParams(msg)
	if err != nil {
		return connector.Receipt{}, err
	}
	c, err := s.client(cfg)
	if err != nil {
		return connector.Receipt{}, err
	}
	body := map[string]any{
		"PhoneNumberSet":   []string{phone},
		"SmsSdkAppId":      cfg.SdkAppID,
		"TemplateId":       msg.Template.ID,
		"TemplateParamSet": params,
	}
	if cfg.SignName != "" {
		body["SignName"] = cfg.SignName
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	var out struct {
		SendStatusSet []sendStatus `json:"SendStatusSet"`
	}
	if err := tencentcloud.Call(ctx, c, service, apiVersion, "SendSms", body, &out); err != nil {
		return connector.Receipt{}, mapFailure(tencentcloud.Classify(err), phone)
	}
	// Tencent answers per-number failures with HTTP 200 and a Code other than "Ok" in the
	// number's entry, so every entry must be checked, and a missing entry is a failure too.
	if len(out.SendStatusSet) == 0 {
		return connector.Receipt{}, connector.Unavailable("Tencent Cloud SMS returned no send status")
	}
	var serial string
	for _, st := range out.SendStatusSet {
		if !strings.EqualFold(st.Code, "Ok") {
			return connector.Receipt{}, mapFailure(tencentcloud.Failure{Code: st.Code, Message: st.Message}, phone)
		}
		if st.PhoneNumber == phone || serial == "" {
			serial = st.SerialNo
		}
	}
	return connector.Receipt{MessageID: serial}, nil
}

// NormalizePhone returns to in E.164. An 11-digit Chinese mainland mobile number written
// without country code gets +86; anything else that is not E.164 is an invalid recipient.
func NormalizePhone(to string) (string, error) {
	switch {
	case e164Re.MatchString(to):
		return to, nil
	case mainlandRe.MatchString(to):
		return "+86" + to, nil
	}
	return "", connector.InvalidRecipient("phone number is not in E.164 format")
}

// templateParams builds TemplateParamSet by name: Template.Params lists the variable names
// filling the provider template's {1}, {2} ... in order, so each value is looked up by name
// rather than taken from wherever it happens to sit.
func templateParams(msg connector.Message) ([]string, error) {
	if strings.TrimSpace(msg.Template.ID) == "" {
		return nil, connector.InvalidConfig("no Tencent Cloud SMS template id for usage "+string(msg.Usage),
			connector.FieldError{Field: "templates", Reason: "template id is required"})
	}
	if !digitsRe.MatchString(msg.Template.ID) {
		return nil, connector.InvalidConfig("Tencent Cloud SMS template ids are numeric",
			connector.FieldError{Field: "templates", Reason: "template id must be numeric"})
	}
	params := make([]string, 0, len(msg.Template.Params))
	for _, name := range msg.Template.Params {
		v, ok := msg.Variables[name]
		if !ok {
			return nil, connector.InvalidConfig(fmt.Sprintf("template %s uses variable %q, which this message does not carry", msg.Template.ID, name),
				connector.FieldError{Field: "templates", Reason: "unknown variable " + name})
		}
		if name == "code" {
			if err := CheckCodeLength(len(v)); err != nil {
				return nil, err
			}
		}
		params = append(params, v)
	}
	return params, nil
}

// retryAfter is how long Tencent's per-number frequency limits last.
var retryAfter = map[string]time.Duration{
	"LimitExceeded.PhoneNumberThirtySecondLimit": 30 * time.Second,
	"LimitExceeded.PhoneNumberOneHourLimit":      time.Hour,
	"LimitExceeded.PhoneNumberDailyLimit":        24 * time.Hour,
}

// invalidConfigCodes are refusals that only a change of configuration or template can fix.
// Names from Tencent's SMS 2021-01-11 error list.
var invalidConfigCodes = map[string]bool{
	"FailedOperation.SignatureIncorrectOrUnapproved":            true,
	"FailedOperation.TemplateIncorrectOrUnapproved":             true,
	"FailedOperation.TemplateParamSetNotMatchApprovedTemplate":  true,
	"FailedOperation.TemplateUnapprovedOrNotExist":              true,
	"FailedOperation.TemplateIdNotExist":                        true,
	"FailedOperation.MissingSignatureList":                      true,
	"FailedOperation.MissingTemplateList":                       true,
	"InvalidParameterValue.SdkAppIdNotExist":                    true,
	"InvalidParameterValue.TemplateParameterFormatError":        true,
	"UnauthorizedOperation.SmsSdkAppIdVerifyFail":               true,
	"UnauthorizedOperation.SdkAppIdIsDisabled":                  true,
	"UnauthorizedOperation.RequestIpNotInWhitelist":             true,
	"UnauthorizedOperation.RequestPermissionDeny":               true,
	"UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": true,
	"UnsupportedOperation.GlobalTemplateToChineseMainlandPhone": true,
}

// invalidRecipientCodes name a number Tencent cannot parse or deliver to.
var invalidRecipientCodes = map[string]bool{
	"InvalidParameterValue.IncorrectPhoneNumber": true,
	"FailedOperation.PhoneNumberParseFail":       true,
}

// quotaCodes mean the account cannot pay for more messages.
var quotaCodes = map[string]bool{
	"FailedOperation.InsufficientBalanceInSmsPackage":  true,
	"UnauthorizedOperation.SerivceSuspendDueToArrears": true, // sic, Tencent's spelling
}

// mapFailure turns a failed call into the connector's typed error (see README.md for the
// table). phone, when set, is named masked in the message.
func mapFailure(f tencentcloud.Failure, phone string) error {
	if f.Transport {
		return connector.Unavailable("Tencent Cloud SMS unreachable: " + f.Message)
	}
	msg := "Tencent Cloud SMS: " + redact.Text(f.Message)
	if phone != "" {
		msg = fmt.Sprintf("Tencent Cloud SMS refused %s: %s", redact.Phone(phone), redact.Text(f.Message))
	}
	var e *connector.Error
	switch code := f.Code; {
	case strings.HasPrefix(code, "LimitExceeded.") || code == "LimitExceeded" || strings.HasPrefix(code, "RequestLimitExceeded"):
		e = connector.RateLimited(retryAfter[code], msg)
	case strings.HasPrefix(code, "AuthFailure.") || invalidConfigCodes[code]:
		e = connector.InvalidConfig(msg)
	case invalidRecipientCodes[code]:
		e = connector.InvalidRecipient(msg)
	case quotaCodes[code]:
		e = connector.QuotaExceeded(msg)
	case code == "InternalError" || strings.HasPrefix(code, "InternalError."):
		e = connector.Unavailable(msg)
	default:
		return connector.Rejected(code, msg)
	}
	e.ProviderCode = f.Code
	return e
}
