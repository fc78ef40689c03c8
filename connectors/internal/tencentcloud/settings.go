package tencentcloud

import (
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	// DefaultRegion is the region of a configuration that names none.
	DefaultRegion = "ap-guangzhou"

	defaultTimeout = 10 * time.Second
	minTimeout     = 100 * time.Millisecond
	maxTimeout     = 60 * time.Second
)

// Service describes the Tencent Cloud API one connector calls.
type Service struct {
	// Product names the service in messages, such as "Tencent Cloud SMS".
	Product string
	// Name and Version select the API, such as "sms" and "2021-01-11".
	Name    string
	Version string
	// Endpoints maps each region the connector accepts to the endpoint it uses by default, ""
	// meaning the SDK's own (<Name>.tencentcloudapi.com). Nil accepts any well-formed region
	// name, all on the SDK's endpoint.
	Endpoints map[string]string
	// Codes sorts the service's own error codes into connector errors.
	Codes Codes
}

// Endpoint is the host[:port] a client for s calls: s.Endpoint when set, else the default of
// s.Region ("" for the SDK's).
func (svc *Service) Endpoint(s Settings) string {
	if s.Endpoint != "" {
		return s.Endpoint
	}
	return svc.Endpoints[s.Region]
}

// Settings are the configuration fields every Tencent Cloud connector has, and all that its
// client depends on. A connector's configuration embeds them, so they decode from the same
// JSON object as its own fields.
type Settings struct {
	SecretID  string `json:"secret_id"`
	SecretKey string `json:"secret_key"`
	Region    string `json:"region,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Scheme    string `json:"scheme,omitempty"`
	TimeoutMS int    `json:"timeout_ms,omitempty"`
}

// Timeout bounds each call.
func (s Settings) Timeout() time.Duration { return time.Duration(s.TimeoutMS) * time.Millisecond }

var regionRe = regexp.MustCompile(`^[a-z]+(-[a-z]+)+(-[0-9]+)?$`)

// CheckCredentials requires the key pair.
func (s *Settings) CheckCredentials(p *Problems) {
	p.Require("secret_id", s.SecretID)
	p.Require("secret_key", s.SecretKey)
}

// CheckEndpoint checks where the API is (region, scheme, endpoint) against svc, filling the
// defaults of the fields left out.
func (s *Settings) CheckEndpoint(svc *Service, p *Problems) {
	if s.Region == "" {
		s.Region = DefaultRegion
	}
	if svc.Endpoints != nil {
		if _, ok := svc.Endpoints[s.Region]; !ok {
			p.Add("region", "must be "+oneOf(slices.Sorted(maps.Keys(svc.Endpoints))))
		}
	} else if !regionRe.MatchString(s.Region) {
		p.Add("region", "must be a Tencent Cloud region such as "+DefaultRegion)
	}
	switch s.Scheme {
	case "":
		s.Scheme = "https"
	case "https", "http":
	default:
		p.Add("scheme", `must be "https" or "http"`)
	}
	if s.Endpoint != "" && !validEndpoint(s.Endpoint) {
		p.Add("endpoint", "must be host or host:port, without scheme or path")
	}
}

// CheckTimeout checks timeout_ms, filling the default when it is left out.
func (s *Settings) CheckTimeout(p *Problems) {
	switch {
	case s.TimeoutMS == 0:
		s.TimeoutMS = int(defaultTimeout / time.Millisecond)
	case s.Timeout() < minTimeout || s.Timeout() > maxTimeout:
		p.Add("timeout_ms", "must be between 100 and 60000")
	}
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

// oneOf lists choices for a message: "a, b or c".
func oneOf(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// Problems collects the field errors of one configuration in the order they are found, so a
// connector's own checks can sit between the shared ones.
type Problems struct {
	fields []connector.FieldError
}

// Require reports field as missing when value is blank.
func (p *Problems) Require(field, value string) {
	if strings.TrimSpace(value) == "" {
		p.Add(field, "required")
	}
}

// Add reports field as wrong for reason.
func (p *Problems) Add(field, reason string) {
	p.fields = append(p.fields, connector.FieldError{Field: field, Reason: reason})
}

// Err is nil when nothing was reported, else the invalid_config error naming every field.
func (p *Problems) Err(svc *Service) error {
	if len(p.fields) == 0 {
		return nil
	}
	return connector.InvalidConfig("invalid "+svc.Product+" configuration", p.fields...)
}
