// Package mock is the shared implementation of the mocksms and mockemail connectors: real plugin
// connectors that deliver into an "outbox" file (one JSON line per message, verification codes
// included on purpose: it is the test inbox) and fail, stall or panic on demand, so the host,
// the conformance kit and end-to-end tests can exercise every path without a provider.
package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/recipient"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// Discard as the outbox writes nothing; benchmarks use it to measure the plugin round trip
// without a file system in the way.
const Discard = "discard"

// Placeholders are the variables a mock template may use.
var Placeholders = []string{"code", "ttl_seconds", "ttl_minutes", "username", "app_name", "otp", "time", "name", "mailverifycode"}

// Config is the mock connectors' configuration.
type Config struct {
	// Outbox is the file each sent message is appended to, or "discard".
	Outbox string `json:"outbox"`
	// Fail is "never" (default), "always" or "every_nth" (with FailEvery).
	Fail      string `json:"fail,omitempty"`
	FailEvery int    `json:"fail_every,omitempty"`
	// FailKind is the connector error kind of a failure (default unavailable).
	FailKind              string `json:"fail_kind,omitempty"`
	FailRetryAfterSeconds int    `json:"fail_retry_after_seconds,omitempty"`
	// DelayMS stalls each send (honouring the context), to test deadlines.
	DelayMS int `json:"delay_ms,omitempty"`
	// APIKey is a dummy secret: it is never used, only carried, to test secret handling.
	APIKey string `json:"api_key,omitempty"`
	// Panic makes Send panic, to test the plugin's panic recovery.
	Panic bool `json:"panic,omitempty"`
}

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["outbox"],
  "properties": {
    "outbox": {"type": "string", "minLength": 1, "title": "Outbox file", "description": "Absolute path of the file each message is appended to as one JSON line, or \"discard\"."},
    "fail": {"type": "string", "enum": ["never", "always", "every_nth"], "default": "never", "description": "When sends fail."},
    "fail_every": {"type": "integer", "minimum": 1, "description": "With fail=every_nth, every N-th send (per outbox) fails."},
    "fail_kind": {"type": "string", "enum": ["invalid_config", "invalid_recipient", "rate_limited", "quota_exceeded", "rejected", "unavailable"], "default": "unavailable"},
    "fail_retry_after_seconds": {"type": "integer", "minimum": 0, "description": "Retry-after of a rate_limited failure."},
    "delay_ms": {"type": "integer", "minimum": 0, "maximum": 600000, "description": "Stall each send this long (cancelled by the call's deadline)."},
    "api_key": {"type": "string", "writeOnly": true, "title": "API key", "description": "A dummy secret, never used."},
    "panic": {"type": "boolean", "description": "Test only: panic in Send."}
  }
}`

// Connector is the mock connector for one channel.
type Connector struct {
	channel connector.Channel
	info    connector.Info

	mu       sync.Mutex
	outboxes map[string]*outbox
	tmpls    sync.Map // template cache: key string -> *template.Template / *htmltemplate.Template
	nTmpls   int
}

// New returns the mock connector for channel: SMS with provider templates (ID + params), email
// with content templates (text/template subject and body, html/template HTML body).
func New(channel connector.Channel) *Connector {
	info := connector.Info{
		Channel:      channel,
		Version:      "1.0.0",
		ConfigSchema: json.RawMessage(schema),
		Usages:       append([]connector.Usage(nil), connector.Usages...),
		Placeholders: Placeholders,
	}
	if channel == connector.SMS {
		info.Name, info.DisplayName, info.TemplateKind = "mocksms", "Mock SMS", connector.TemplateProvider
		info.Description = "Writes text messages to an outbox file instead of sending them. For tests and development."
	} else {
		info.Name, info.DisplayName, info.TemplateKind = "mockemail", "Mock email", connector.TemplateContent
		info.Description = "Writes emails to an outbox file instead of sending them. For tests and development."
	}
	return &Connector{channel: channel, info: info, outboxes: map[string]*outbox{}}
}

// Describe implements connector.Connector.
func (c *Connector) Describe() connector.Info { return c.info }

func decode(raw connector.Config) (Config, error) {
	var cfg Config
	if err := raw.Decode(&cfg); err != nil {
		return cfg, err
	}
	var fields []connector.FieldError
	if strings.TrimSpace(cfg.Outbox) == "" {
		fields = append(fields, connector.FieldError{Field: "outbox", Reason: "required"})
	} else if cfg.Outbox != Discard && !filepath.IsAbs(cfg.Outbox) {
		fields = append(fields, connector.FieldError{Field: "outbox", Reason: "must be an absolute path or \"discard\""})
	}
	switch cfg.Fail {
	case "", "never", "always":
	case "every_nth":
		if cfg.FailEvery < 1 {
			fields = append(fields, connector.FieldError{Field: "fail_every", Reason: "must be at least 1 with fail=every_nth"})
		}
	default:
		fields = append(fields, connector.FieldError{Field: "fail", Reason: "must be never, always or every_nth"})
	}
	if cfg.FailKind != "" && !connector.ErrorKind(cfg.FailKind).Known() {
		fields = append(fields, connector.FieldError{Field: "fail_kind", Reason: "unknown error kind"})
	}
	if cfg.FailRetryAfterSeconds < 0 {
		fields = append(fields, connector.FieldError{Field: "fail_retry_after_seconds", Reason: "must not be negative"})
	}
	if cfg.DelayMS < 0 || cfg.DelayMS > 600000 {
		fields = append(fields, connector.FieldError{Field: "delay_ms", Reason: "must be between 0 and 600000"})
	}
	if len(fields) > 0 {
		return cfg, connector.InvalidConfig("invalid mock configuration", fields...)
	}
	return cfg, nil
}

// Validate implements connector.Connector. With verify it proves the outbox can be written,
// the mock's equivalent of checking credentials.
func (c *Connector) Validate(ctx context.Context, raw connector.Config, verify bool) error {
	cfg, err := decode(raw)
	if err != nil {
		return err
	}
	if verify && cfg.Outbox != Discard {
		if _, err := c.outbox(cfg.Outbox); err != nil {
			return connector.InvalidConfig("outbox cannot be opened for writing", connector.FieldError{Field: "outbox", Reason: "cannot be opened for appending"})
		}
	}
	if err := ctx.Err(); err != nil {
		return connector.Unavailable("validation abandoned: " + err.Error())
	}
	return nil
}

// Send implements connector.Connector.
func (c *Connector) Send(ctx context.Context, raw connector.Config, msg connector.Message) (connector.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return connector.Receipt{}, connector.Unavailable("send abandoned: " + err.Error())
	}
	cfg, err := decode(raw)
	if err != nil {
		return connector.Receipt{}, err
	}
	if cfg.Panic {
		panic("mock connector: panic requested by configuration")
	}
	if cfg.DelayMS > 0 {
		t := time.NewTimer(time.Duration(cfg.DelayMS) * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return connector.Receipt{}, connector.Unavailable("send abandoned: " + ctx.Err().Error())
		}
	}
	if err := c.checkRecipient(msg.To); err != nil {
		return connector.Receipt{}, err
	}
	var box *outbox
	if cfg.Outbox != Discard {
		if box, err = c.outbox(cfg.Outbox); err != nil {
			return connector.Receipt{}, connector.Unavailable("outbox cannot be opened")
		}
	}
	if fail := c.shouldFail(cfg, box); fail != nil {
		return connector.Receipt{}, fail
	}
	rec := Record{
		ID:         uuid.NewString(),
		Time:       time.Now().UTC(),
		Channel:    string(c.channel),
		To:         msg.To,
		Usage:      string(msg.Usage),
		Locale:     msg.Locale,
		TemplateID: msg.Template.ID,
		Variables:  msg.Variables,
	}
	if err := c.render(&rec, msg); err != nil {
		return connector.Receipt{}, err
	}
	if box != nil {
		if err := box.append(&rec); err != nil {
			return connector.Receipt{}, connector.Unavailable("outbox write failed")
		}
	}
	return connector.Receipt{MessageID: rec.ID}, nil
}

func (c *Connector) checkRecipient(to string) error {
	if c.channel == connector.SMS {
		return recipient.Phone(to)
	}
	return recipient.Email(to)
}

func (c *Connector) shouldFail(cfg Config, box *outbox) error {
	switch cfg.Fail {
	case "always":
	case "every_nth":
		var n int
		if box != nil {
			n = box.next()
		} else {
			n = c.discardCount()
		}
		if n%cfg.FailEvery != 0 {
			return nil
		}
	default:
		return nil
	}
	kind := connector.ErrorKind(cfg.FailKind)
	if kind == "" {
		kind = connector.KindUnavailable
	}
	e := &connector.Error{Kind: kind, Message: "mock failure requested by configuration", ProviderCode: "Mock.RequestedFailure"}
	if kind == connector.KindRateLimited {
		e.RetryAfter = time.Duration(cfg.FailRetryAfterSeconds) * time.Second
	}
	if kind == connector.KindInvalidConfig {
		e.Fields = []connector.FieldError{{Field: "fail_kind", Reason: "requested failure"}}
	}
	return e
}

var discardSends struct {
	sync.Mutex
	n int
}

func (c *Connector) discardCount() int {
	discardSends.Lock()
	defer discardSends.Unlock()
	discardSends.n++
	return discardSends.n
}

// render fills the Record's subject and body from the template. SMS templates are provider
// templates: the mock shows the ID and the parameters by name, as a provider would fill them.
func (c *Connector) render(rec *Record, msg connector.Message) error {
	t := msg.Template
	if c.info.TemplateKind == connector.TemplateProvider {
		var b strings.Builder
		fmt.Fprintf(&b, "[%s]", t.ID)
		for _, p := range t.Params {
			fmt.Fprintf(&b, " %s=%s", p, msg.Variables[p])
		}
		rec.Params = t.Params
		rec.Body = b.String()
		return nil
	}
	var err error
	if rec.Subject, err = c.execText("s", t.Subject, msg.Variables); err != nil {
		return err
	}
	if rec.Body, err = c.execText("b", t.Body, msg.Variables); err != nil {
		return err
	}
	if t.HTMLBody != "" {
		tpl, err := c.parsed("h"+t.HTMLBody, func() (any, error) { return htmltemplate.New("h").Parse(t.HTMLBody) })
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := tpl.(*htmltemplate.Template).Execute(&b, msg.Variables); err != nil {
			return connector.Rejected("Mock.TemplateError", "html body template failed to render")
		}
		rec.HTMLBody = b.String()
	}
	return nil
}

func (c *Connector) execText(prefix, src string, vars map[string]string) (string, error) {
	if src == "" {
		return "", nil
	}
	tpl, err := c.parsed(prefix+src, func() (any, error) { return template.New(prefix).Parse(src) })
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := tpl.(*template.Template).Execute(&b, vars); err != nil {
		return "", connector.Rejected("Mock.TemplateError", "template failed to render")
	}
	return b.String(), nil
}

// maxCachedTemplates bounds the parse cache; templates come from tenants' configurations, so
// their number is small, but a bound keeps a misbehaving caller from growing the process.
const maxCachedTemplates = 1024

// parsed parses a template once: one process serves every tenant, and parsing on every send
// would dominate the mock's cost.
func (c *Connector) parsed(key string, parse func() (any, error)) (any, error) {
	if t, ok := c.tmpls.Load(key); ok {
		return t, nil
	}
	t, err := parse()
	if err != nil {
		return nil, connector.Rejected("Mock.TemplateError", "template does not parse")
	}
	c.mu.Lock()
	if c.nTmpls < maxCachedTemplates {
		c.nTmpls++
		c.tmpls.Store(key, t)
	}
	c.mu.Unlock()
	return t, nil
}

// Record is one outbox line, as tests read it back.
type Record struct {
	ID         string            `json:"id"`
	Time       time.Time         `json:"time"`
	Channel    string            `json:"channel"`
	To         string            `json:"to"`
	Usage      string            `json:"usage"`
	Locale     string            `json:"locale,omitempty"`
	TemplateID string            `json:"template_id,omitempty"`
	Params     []string          `json:"params,omitempty"`
	Subject    string            `json:"subject,omitempty"`
	Body       string            `json:"body"`
	HTMLBody   string            `json:"html_body,omitempty"`
	Variables  map[string]string `json:"variables,omitempty"`
}

// outbox is one open outbox file. One plugin process serves every tenant, so sends to the same
// file are serialised by mu, and each line is one write to an O_APPEND file so lines never
// interleave, not even with another process appending to the same file.
type outbox struct {
	mu    sync.Mutex
	f     *os.File
	sends int
}

func (c *Connector) outbox(path string) (*outbox, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.outboxes[path]; ok {
		return b, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	b := &outbox{f: f}
	c.outboxes[path] = b
	return b, nil
}

func (b *outbox) next() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sends++
	return b.sends
}

func (b *outbox) append(rec *Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode outbox line: %w", err)
	}
	line = append(line, '\n')
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.f.Write(line); err != nil {
		return fmt.Errorf("append to outbox: %w", err)
	}
	return nil
}
