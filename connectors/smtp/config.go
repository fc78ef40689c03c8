package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// Security modes.
const (
	SecuritySSL      = "ssl"      // implicit TLS from the first byte, usually port 465
	SecuritySTARTTLS = "starttls" // plain connection upgraded with STARTTLS, usually port 587
	SecurityNone     = "none"     // no TLS at all; only for loopback hosts
)

const (
	defaultConnectTimeout = 10 * time.Second
	defaultSendTimeout    = 30 * time.Second
	maxTimeout            = 120 * time.Second
)

// preset is a well-known provider's SMTP service. Values from the common-provider table in
// Tencent CloudBase's email login guide (seed 003).
type preset struct {
	host  string
	ports map[string]int // security mode → port
}

var presets = map[string]preset{
	"qq":     {"smtp.qq.com", map[string]int{SecuritySSL: 465, SecuritySTARTTLS: 587}},
	"exmail": {"smtp.exmail.qq.com", map[string]int{SecuritySSL: 465}},
	"163":    {"smtp.163.com", map[string]int{SecuritySSL: 465}},
	"gmail":  {"smtp.gmail.com", map[string]int{SecuritySSL: 465, SecuritySTARTTLS: 587}},
}

var defaultPorts = map[string]int{SecuritySSL: 465, SecuritySTARTTLS: 587, SecurityNone: 25}

// Config is the connector instance's configuration.
type Config struct {
	Preset           string `json:"preset,omitempty"`
	Host             string `json:"host,omitempty"`
	Port             int    `json:"port,omitempty"`
	Security         string `json:"security,omitempty"`
	Username         string `json:"username,omitempty"`
	Password         string `json:"password,omitempty"`
	From             string `json:"from"`
	ReplyTo          string `json:"reply_to,omitempty"`
	ConnectTimeoutMS int    `json:"connect_timeout_ms,omitempty"`
	SendTimeoutMS    int    `json:"send_timeout_ms,omitempty"`
	RootCAPEM        string `json:"root_ca_pem,omitempty"`
	TLSServerName    string `json:"tls_server_name,omitempty"`
}

// settings is a checked Config with defaults applied.
type settings struct {
	Config
	fromAddr       *mail.Address
	connectTimeout time.Duration
	sendTimeout    time.Duration
	tls            *tls.Config // nil for SecurityNone
}

func decode(raw connector.Config) (*settings, error) {
	var c Config
	if err := raw.Decode(&c); err != nil {
		return nil, err
	}
	s := &settings{Config: c}
	var bad []connector.FieldError
	fail := func(field, reason string) { bad = append(bad, connector.FieldError{Field: field, Reason: reason}) }

	if c.Preset != "" {
		p, ok := presets[c.Preset]
		if !ok {
			fail("preset", "must be one of qq, exmail, 163, gmail")
		} else {
			if s.Host == "" {
				s.Host = p.host
			}
			if s.Security == "" {
				s.Security = SecuritySSL
			}
			if port, ok := p.ports[s.Security]; !ok && s.Host == p.host {
				fail("security", fmt.Sprintf("%s offers %s", p.host, strings.Join(modes(p), " or ")))
			} else if s.Port == 0 && s.Host == p.host {
				s.Port = port
			}
		}
	}
	s.Host = strings.TrimSpace(s.Host)
	if s.Host == "" {
		fail("host", "required (or a preset)")
	} else if strings.ContainsAny(s.Host, ":/ ") && net.ParseIP(s.Host) == nil {
		fail("host", "must be a host name or IP address, without port or scheme")
	}
	switch s.Security {
	case SecuritySSL, SecuritySTARTTLS:
	case SecurityNone:
		// Without TLS the password and every code cross the network in clear text; allow it
		// only to a relay on this machine.
		if s.Host != "" && !isLoopback(s.Host) {
			fail("security", `"none" is only allowed for loopback hosts (localhost, 127.0.0.1, ::1)`)
		}
	case "":
		fail("security", "required: ssl, starttls or none")
	default:
		fail("security", "must be ssl, starttls or none")
	}
	if s.Port == 0 {
		s.Port = defaultPorts[s.Security]
	}
	if s.Port < 1 || s.Port > 65535 {
		fail("port", "must be 1-65535")
	}
	if s.Password != "" && s.Username == "" {
		fail("username", "required with a password")
	}
	if c.From == "" {
		fail("from", "required")
	} else if a, err := mail.ParseAddress(c.From); err != nil {
		fail("from", "must be an address, optionally with a display name: Name <noreply@example.com>")
	} else {
		s.fromAddr = a
	}
	if c.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.ReplyTo); err != nil {
			fail("reply_to", "must be an email address")
		}
	}
	var err error
	if s.connectTimeout, err = timeout(c.ConnectTimeoutMS, defaultConnectTimeout); err != nil {
		fail("connect_timeout_ms", err.Error())
	}
	if s.sendTimeout, err = timeout(c.SendTimeoutMS, defaultSendTimeout); err != nil {
		fail("send_timeout_ms", err.Error())
	}
	if s.Security == SecuritySSL || s.Security == SecuritySTARTTLS {
		s.tls = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
		if c.TLSServerName != "" {
			s.tls.ServerName = c.TLSServerName
		}
		if c.RootCAPEM != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(c.RootCAPEM)) {
				fail("root_ca_pem", "no PEM certificate found")
			}
			s.tls.RootCAs = pool
		}
	} else if c.RootCAPEM != "" || c.TLSServerName != "" {
		fail("security", "root_ca_pem and tls_server_name need ssl or starttls")
	}
	if len(bad) > 0 {
		return nil, connector.InvalidConfig("invalid SMTP configuration", bad...)
	}
	return s, nil
}

func modes(p preset) []string {
	var out []string
	for _, m := range []string{SecuritySSL, SecuritySTARTTLS} {
		if port, ok := p.ports[m]; ok {
			out = append(out, fmt.Sprintf("%s (%d)", m, port))
		}
	}
	return out
}

func timeout(ms int, def time.Duration) (time.Duration, error) {
	if ms == 0 {
		return def, nil
	}
	d := time.Duration(ms) * time.Millisecond
	if ms < 100 || d > maxTimeout {
		return 0, fmt.Errorf("must be between 100 and %d", maxTimeout/time.Millisecond)
	}
	return d, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
