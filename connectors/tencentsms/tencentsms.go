package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/recipient"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/redact"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/tencentcloud"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	// Name is the connector type.
	Name = "tencentsms"
	// Version is this connector's version.
	Version = "0.1.0"

	// MaxCodeLength is the longest verification code Tencent Cloud SMS accepts in a
	// verification-code template variable: 6 digits. The schema carries it as
	// "x-max-code-length" so the server can refuse a longer SMS OTP on this connector.
	MaxCodeLength = 6
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
	tencentcloud.Settings
	SdkAppID string `json:"sdk_app_id"`
	SignName string `json:"sign_name,omitempty"`
}

var (
	digitsRe = regexp.MustCompile(`^[0-9]+$`)
	// mainlandRe is an 11-digit Chinese mainland mobile number written without country code.
	mainlandRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
)

// decode parses and checks cfg, filling defaults.
func decode(raw connector.Config) (Config, error) {
	var c Config
	if err := raw.Decode(&c); err != nil {
		return c, err
	}
	var p tencentcloud.Problems
	c.CheckCredentials(&p)
	p.Require("sdk_app_id", c.SdkAppID)
	if c.SdkAppID != "" && !digitsRe.MatchString(c.SdkAppID) {
		p.Add("sdk_app_id", "must be the numeric SDK AppID, such as 1400000000")
	}
	c.CheckEndpoint(api, &p)
	c.CheckTimeout(&p)
	return c, p.Err(api)
}

// SMS is the Tencent Cloud SMS connector.
type SMS struct {
	clients *tencentcloud.Clients
}

// New returns the connector.
func New() *SMS {
	return &SMS{clients: tencentcloud.NewClients(api)}
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
func (s *SMS) client(cfg Config) (*tencentcloud.Client, error) {
	return s.clients.Get(cfg.Settings)
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
	params := map[string]any{"International": 0, "Limit": 1, "Offset": 0}
	return c.Call(ctx, "DescribeSmsTemplateList", params, nil, "")
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
	var out struct {
		SendStatusSet []sendStatus `json:"SendStatusSet"`
	}
	if err := c.Call(ctx, "SendSms", body, &out, redact.Phone(phone)); err != nil {
		return connector.Receipt{}, err
	}
	// Tencent answers per-number failures with HTTP 200 and a Code other than "Ok" in the
	// number's entry, so every entry must be checked, and a missing entry is a failure too.
	if len(out.SendStatusSet) == 0 {
		return connector.Receipt{}, connector.Unavailable("Tencent Cloud SMS returned no send status")
	}
	var serial string
	for _, st := range out.SendStatusSet {
		if !strings.EqualFold(st.Code, "Ok") {
			return connector.Receipt{}, api.ErrorFor(tencentcloud.Failure{Code: st.Code, Message: st.Message}, redact.Phone(phone))
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
	if mainlandRe.MatchString(to) {
		return "+86" + to, nil
	}
	if err := recipient.Phone(to); err != nil {
		return "", err
	}
	return to, nil
}

// templateParams builds TemplateParamSet: Template.Params lists the variable names filling the
// provider template's {1}, {2} ... in order.
func templateParams(msg connector.Message) ([]string, error) {
	if strings.TrimSpace(msg.Template.ID) == "" {
		return nil, connector.InvalidConfig("no Tencent Cloud SMS template id for usage "+string(msg.Usage),
			connector.FieldError{Field: "templates", Reason: "template id is required"})
	}
	if !digitsRe.MatchString(msg.Template.ID) {
		return nil, connector.InvalidConfig("Tencent Cloud SMS template ids are numeric",
			connector.FieldError{Field: "templates", Reason: "template id must be numeric"})
	}
	params, err := tencentcloud.TemplateValues(msg)
	if err != nil {
		return nil, err
	}
	if slices.Contains(msg.Template.Params, "code") {
		if err := CheckCodeLength(len(msg.Variables["code"])); err != nil {
			return nil, err
		}
	}
	return params, nil
}

// api is Tencent Cloud SMS, API 2021-01-11, in any region on sms.tencentcloudapi.com unless
// the configuration names an endpoint. Its codes are sorted as the table in README.md says,
// from Tencent's SMS 2021-01-11 error list.
var api = &tencentcloud.Service{
	Product: "Tencent Cloud SMS",
	Name:    "sms",
	Version: "2021-01-11",
	Codes: tencentcloud.Codes{
		// How long Tencent's per-number frequency limits last.
		RateLimited: map[string]time.Duration{
			"LimitExceeded.PhoneNumberThirtySecondLimit": 30 * time.Second,
			"LimitExceeded.PhoneNumberOneHourLimit":      time.Hour,
			"LimitExceeded.PhoneNumberDailyLimit":        24 * time.Hour,
		},
		// Refusals that only a change of configuration or template can fix.
		InvalidConfig: map[string]bool{
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
		},
		// A number Tencent cannot parse or deliver to.
		InvalidRecipient: map[string]bool{
			"InvalidParameterValue.IncorrectPhoneNumber": true,
			"FailedOperation.PhoneNumberParseFail":       true,
		},
		// The account cannot pay for more messages.
		QuotaExceeded: map[string]bool{
			"FailedOperation.InsufficientBalanceInSmsPackage":  true,
			"UnauthorizedOperation.SerivceSuspendDueToArrears": true, // sic, Tencent's spelling
		},
	},
}
