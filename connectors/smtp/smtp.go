package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/clientcache"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/recipient"
	"github.com/gatehouse-iam/gatehouse/connectors/internal/redact"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	// Name is the connector type.
	Name = "smtp"
	// Version is this connector's version.
	Version = "0.1.0"

	poolCacheSize     = 32
	templateCacheSize = 256
	// maxIdlePerConfig bounds the authenticated connections kept open per configuration.
	maxIdlePerConfig = 2
	// maxIdleAge drops idle connections before typical server idle timeouts would, so a
	// reused connection is rarely found dead.
	maxIdleAge = 30 * time.Second
)

//go:embed schema.json
var configSchema []byte

// SMTP is the SMTP connector.
type SMTP struct {
	pools     *clientcache.Cache[*pool]
	templates *templateCache
}

// New returns the connector.
func New() *SMTP {
	return &SMTP{
		pools:     clientcache.New[*pool](poolCacheSize, (*pool).close),
		templates: newTemplateCache(templateCacheSize),
	}
}

// Describe implements connector.Connector.
func (s *SMTP) Describe() connector.Info {
	return connector.Info{
		Name:         Name,
		DisplayName:  "SMTP",
		Version:      Version,
		Description:  "Sends email through any SMTP server (QQ Mail, Tencent Exmail, 163 Mail, Gmail presets) with subject and bodies written as Go templates.",
		Channel:      connector.Email,
		ConfigSchema: json.RawMessage(configSchema),
		Usages:       append([]connector.Usage(nil), connector.Usages...),
		TemplateKind: connector.TemplateContent,
		Placeholders: []string{"code", "ttl_seconds", "ttl_minutes", "username", "app_name", "otp", "time", "name", "mailverifycode"},
	}
}

// Validate implements connector.Connector. With verify it connects, negotiates TLS and
// authenticates, then quits without sending.
func (s *SMTP) Validate(ctx context.Context, raw connector.Config, verify bool) error {
	cfg, err := decode(raw)
	if err != nil || !verify {
		return err
	}
	p, err := s.pool(cfg)
	if err != nil {
		return err
	}
	c, err := p.dial(ctx)
	if err != nil {
		return mapError(ctx, err, "")
	}
	// Quit politely, but never past the caller's deadline.
	stop := context.AfterFunc(ctx, func() { c.raw.Close() })
	_ = p.mc.CloseWithSMTPClient(c.client)
	stop()
	c.raw.Close()
	return nil
}

// Send implements connector.Connector.
func (s *SMTP) Send(ctx context.Context, raw connector.Config, msg connector.Message) (connector.Receipt, error) {
	cfg, err := decode(raw)
	if err != nil {
		return connector.Receipt{}, err
	}
	if err := recipient.Email(msg.To); err != nil {
		return connector.Receipt{}, err
	}
	content, err := s.templates.render(msg)
	if err != nil {
		return connector.Receipt{}, err
	}
	m, id, err := buildMessage(cfg, msg.To, content)
	if err != nil {
		return connector.Receipt{}, err
	}
	p, err := s.pool(cfg)
	if err != nil {
		return connector.Receipt{}, err
	}
	if err := p.send(ctx, m); err != nil {
		return connector.Receipt{}, mapError(ctx, err, msg.To)
	}
	return connector.Receipt{MessageID: id}, nil
}

func (s *SMTP) pool(cfg *settings) (*pool, error) {
	key, err := clientcache.Key(cfg.Config)
	if err != nil {
		return nil, connector.InvalidConfig(err.Error())
	}
	return s.pools.Get(key, func() (*pool, error) { return newPool(cfg) })
}

func buildMessage(cfg *settings, to string, content rendered) (*mail.Msg, string, error) {
	m := mail.NewMsg()
	if err := m.From(cfg.From); err != nil {
		return nil, "", connector.InvalidConfig("from: "+err.Error(), connector.FieldError{Field: "from", Reason: "invalid address"})
	}
	if err := m.To(to); err != nil {
		return nil, "", connector.InvalidRecipient("recipient address refused")
	}
	if cfg.ReplyTo != "" {
		if err := m.ReplyTo(cfg.ReplyTo); err != nil {
			return nil, "", connector.InvalidConfig("reply_to: "+err.Error(), connector.FieldError{Field: "reply_to", Reason: "invalid address"})
		}
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	domain := cfg.fromAddr.Address[strings.LastIndexByte(cfg.fromAddr.Address, '@')+1:]
	id := hex.EncodeToString(rnd[:]) + "@" + domain
	m.SetMessageIDWithValue(id)
	m.SetDate()
	m.Subject(content.subject)
	m.SetBodyString(mail.TypeTextPlain, content.text)
	if content.html != "" {
		m.AddAlternativeString(mail.TypeTextHTML, content.html)
	}
	return m, "<" + id + ">", nil
}

// pool holds the go-mail client for one configuration and its idle authenticated
// connections. Sequential sends take the idle connection, so they pay for neither a TCP nor a
// TLS handshake nor AUTH again; concurrent sends each get their own connection.
type pool struct {
	cfg *settings
	mc  *mail.Client

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

// conn is one authenticated SMTP session.
type conn struct {
	client   *gmsmtp.Client
	raw      net.Conn
	lastUsed time.Time
	// stop detaches the context watcher that closes raw when the call's context ends.
	stop func() bool
}

// dialSlot carries the raw connection out of dialContext, and lets a watcher close it once
// the connect deadline has passed, whichever happens first.
type dialSlot struct {
	mu      sync.Mutex
	raw     net.Conn
	expired bool
}

func (s *dialSlot) set(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.expired {
		c.Close()
		return false
	}
	s.raw = c
	return true
}

func (s *dialSlot) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired = true
	if s.raw != nil {
		s.raw.Close()
	}
}

func (s *dialSlot) conn() net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw
}

type dialSlotKey struct{}

func newPool(cfg *settings) (*pool, error) {
	p := &pool{cfg: cfg}
	opts := []mail.Option{
		mail.WithPort(cfg.Port),
		// go-mail applies this as the I/O deadline of every SMTP command.
		mail.WithTimeout(cfg.sendTimeout),
		mail.WithDialContextFunc(p.dialContext),
	}
	switch cfg.Security {
	case SecuritySSL:
		// dialContext does the implicit TLS itself, so go-mail must not try STARTTLS on top.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case SecuritySTARTTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(cfg.tls))
	case SecurityNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.Username != "" {
		auth := mail.SMTPAuthPlain
		if cfg.Security == SecurityNone {
			// Loopback only (checked in decode), where clear-text AUTH is acceptable.
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	mc, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, connector.InvalidConfig("smtp: " + err.Error())
	}
	p.mc = mc
	return p, nil
}

// dialContext opens the TCP connection (and, for ssl, the TLS session) for go-mail. It hands
// the raw connection back through the context so the caller can close it when its own
// context ends: go-mail holds a lock while it waits for a reply, so closing the socket is the
// only way to interrupt a server that stalls.
func (p *pool) dialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	// go-mail formats the address as host:port, which breaks IPv6 literals; join it here.
	addr := net.JoinHostPort(p.cfg.Host, strconv.Itoa(p.cfg.Port))
	d := net.Dialer{}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if p.cfg.Security == SecuritySSL {
		tc := tls.Client(c, p.cfg.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		c = tc
	}
	if slot, ok := ctx.Value(dialSlotKey{}).(*dialSlot); ok && !slot.set(c) {
		return nil, errConnectTimeout
	}
	return c, nil
}

// dial opens and authenticates a new session, bounded by connect_timeout_ms and ctx.
func (p *pool) dial(ctx context.Context) (*conn, error) {
	slot := &dialSlot{}
	dctx, cancel := context.WithTimeout(context.WithValue(ctx, dialSlotKey{}, slot), p.cfg.connectTimeout)
	defer cancel()
	// The dial context only covers connecting; the greeting, EHLO, STARTTLS and AUTH that
	// follow are bounded by closing the socket when dctx ends.
	stopWatch := context.AfterFunc(dctx, slot.expire)
	client, err := p.mc.DialToSMTPClientWithContext(dctx)
	stopped := stopWatch()
	expired := dctx.Err() != nil
	if err == nil && !stopped {
		// The deadline passed just as the session came up; the watcher closed it.
		err = errConnectTimeout
	}
	if err != nil {
		if raw := slot.conn(); raw != nil {
			raw.Close()
		}
		if expired && ctx.Err() == nil {
			return nil, fmt.Errorf("smtp: connect: %w", errConnectTimeout)
		}
		return nil, fmt.Errorf("smtp: connect: %w", err)
	}
	return &conn{client: client, raw: slot.conn(), stop: func() bool { return true }}, nil
}

var errConnectTimeout = errors.New("connect timeout")

// get returns an idle session or dials a new one. The returned conn is watched: it is closed
// if ctx ends while in use.
func (p *pool) get(ctx context.Context) (c *conn, reused bool, err error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(c.lastUsed) < maxIdleAge {
			break
		}
		p.discard(c)
		c = nil
	}
	p.mu.Unlock()
	if c == nil {
		c, err = p.fresh(ctx)
		return c, false, err
	}
	watch(ctx, c)
	return c, true, nil
}

// fresh dials a new session, watched as get's are.
func (p *pool) fresh(ctx context.Context) (*conn, error) {
	c, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	watch(ctx, c)
	return c, nil
}

// watch closes c's socket if ctx ends while c is in use (until c.stop).
func watch(ctx context.Context, c *conn) {
	raw := c.raw
	c.stop = context.AfterFunc(ctx, func() { raw.Close() })
}

// put returns a healthy session for reuse.
func (p *pool) put(c *conn) {
	if !c.stop() {
		// The context ended and the watcher closed the socket.
		return
	}
	c.lastUsed = time.Now()
	p.mu.Lock()
	if p.closed || len(p.idle) >= maxIdlePerConfig {
		p.mu.Unlock()
		p.discard(c)
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	// Close the session if nothing reuses it in time, so an idle tenant holds no sockets.
	time.AfterFunc(maxIdleAge+time.Second, p.reapIdle)
}

// reapIdle closes idle sessions unused for maxIdleAge.
func (p *pool) reapIdle() {
	p.mu.Lock()
	var stale []*conn
	kept := p.idle[:0]
	for _, c := range p.idle {
		if time.Since(c.lastUsed) >= maxIdleAge {
			stale = append(stale, c)
		} else {
			kept = append(kept, c)
		}
	}
	p.idle = kept
	p.mu.Unlock()
	for _, c := range stale {
		p.quit(c)
	}
}

// quit ends an idle session with QUIT, giving the server two seconds to answer.
func (p *pool) quit(c *conn) {
	_ = c.raw.SetDeadline(time.Now().Add(2 * time.Second))
	_ = p.mc.CloseWithSMTPClient(c.client)
	c.raw.Close()
}

func (p *pool) discard(c *conn) {
	if c.stop != nil {
		c.stop()
	}
	c.raw.Close()
}

// close drops every idle session; called when the pool leaves the cache.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	// Eviction happens inside some other tenant's Send; do not make it wait for QUITs.
	go func() {
		for _, c := range idle {
			p.quit(c)
		}
	}()
}

// send delivers m on an idle session when there is one. A reused session found dead before
// anything was transmitted (go-mail's NOOP check fails) is replaced by a freshly dialled one
// once, not by another idle one, which the server may have closed as well; that is
// reconnecting, not retrying a delivery.
func (p *pool) send(ctx context.Context, m *mail.Msg) error {
	c, reused, err := p.get(ctx)
	if err != nil {
		return err
	}
	err = p.mc.SendWithSMTPClient(c.client, m)
	var se *mail.SendError
	if err != nil && reused && ctx.Err() == nil && errors.As(err, &se) && se.Reason == mail.ErrConnCheck {
		p.discard(c)
		if c, err = p.fresh(ctx); err != nil {
			return err
		}
		err = p.mc.SendWithSMTPClient(c.client, m)
	}
	if err != nil {
		// After a failure the session's state is uncertain; never reuse it.
		p.discard(c)
		return err
	}
	p.put(c)
	return nil
}

// mapError turns a go-mail or network error into the connector's typed error (see README).
func mapError(ctx context.Context, err error, to string) error {
	if ctx.Err() != nil || errors.Is(err, errConnectTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return connector.Unavailable("SMTP server did not answer in time")
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		// Retrying cannot fix a certificate we do not trust; the configuration must change.
		return connector.InvalidConfig("SMTP server certificate not trusted: "+redact.Addresses(err.Error()),
			connector.FieldError{Field: "root_ca_pem", Reason: "server certificate not trusted"})
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		return mapSendError(se, to)
	}
	// Dial, TLS or AUTH failure: go-mail wraps the server's reply as a *textproto.Error.
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return mapReply(tp.Code, "", "SMTP server refused the session: "+redact.Addresses(tp.Msg), true)
	}
	switch {
	case errors.Is(err, mail.ErrPlainAuthNotSupported), strings.Contains(err.Error(), "does not support SMTP AUTH"):
		return connector.InvalidConfig("SMTP server does not offer AUTH PLAIN", connector.FieldError{Field: "username", Reason: "server does not offer AUTH PLAIN"})
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return connector.InvalidConfig("SMTP server does not offer STARTTLS", connector.FieldError{Field: "security", Reason: "server does not offer STARTTLS"})
	}
	return connector.Unavailable("SMTP connection failed: " + redact.Addresses(err.Error()))
}

func mapSendError(se *mail.SendError, to string) error {
	code := se.ErrorCode()
	msg := fmt.Sprintf("SMTP server refused mail to %s while %s", redact.Email(to), se.Reason)
	if code == 0 {
		// No SMTP reply: the connection broke.
		return connector.Unavailable(msg + ": connection failed")
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo:
		if code == 550 || code == 551 || code == 553 {
			e := connector.InvalidRecipient(msg)
			e.ProviderCode = providerCode(code, se.EnhancedStatusCode())
			return e
		}
	case mail.ErrSMTPMailFrom:
		if code >= 500 {
			// The server refuses our sender: typically From differs from the account.
			e := connector.InvalidConfig(msg, connector.FieldError{Field: "from", Reason: "refused by the server"})
			e.ProviderCode = providerCode(code, se.EnhancedStatusCode())
			return e
		}
	}
	return mapReply(code, se.EnhancedStatusCode(), msg, false)
}

// mapReply maps an SMTP reply code. session is true for replies before any mail transaction
// (greeting, STARTTLS, AUTH).
func mapReply(code int, enhanced, msg string, session bool) error {
	var e *connector.Error
	switch {
	case session && (code == 535 || code == 534 || code == 530 || code == 538):
		e = connector.InvalidConfig(msg, connector.FieldError{Field: "password", Reason: "authentication failed"})
	case code >= 400 && code < 500:
		// 421 service closing, 450/451 temporary failure, 452 insufficient storage or too many
		// recipients, 454 temporary AUTH failure: all worth trying again later.
		e = connector.Unavailable(msg)
	default:
		return connector.Rejected(providerCode(code, enhanced), msg)
	}
	e.ProviderCode = providerCode(code, enhanced)
	return e
}

func providerCode(code int, enhanced string) string {
	s := strconv.Itoa(code)
	if enhanced != "" {
		s += " " + enhanced
	}
	return s
}
