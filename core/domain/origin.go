package domain

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateRedirectURI checks a redirect or logout redirect URI: an absolute http or https URL
// with a host, no user info, no fragment, no whitespace, at most 2048 characters. It is stored
// exactly as given, because redirect URIs are matched exactly (RFC 9700 §4.1.3).
func ValidateRedirectURI(raw string) string {
	switch {
	case raw == "":
		return "must not be empty"
	case len(raw) > MaxRedirectURILength:
		return "must be at most 2048 characters"
	case strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "must not contain whitespace or control characters"
	case strings.Contains(raw, "#"):
		return "must not contain a fragment (#)"
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return "must be an absolute URL starting with http:// or https://"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must start with http:// or https://"
	}
	if u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return "must have a host"
	}
	if u.User != nil {
		return "must not contain user information"
	}
	return ""
}

var (
	validLabel = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	validPort  = regexp.MustCompile(`^[0-9]{1,5}$`)
)

// NormalizeCORSOrigin checks a CORS origin against the guide's format, scheme "://" host
// [":" port], and returns it lowercased. Host labels hold only [a-z0-9-], with "-" neither
// leading, trailing nor doubled; the wildcard "*" may only be the whole first label of a host
// with at least two more labels ("https://*.example.com"). No path (not even "/"), query,
// fragment or user information.
func NormalizeCORSOrigin(raw string) (string, string) {
	s := strings.ToLower(strings.TrimSpace(raw))
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return "", "must start with http:// or https://"
	}
	if strings.ContainsAny(rest, "/?#@\\") {
		return "", "must be scheme://host[:port] without path, query, fragment or user information"
	}
	host, port, hasPort := strings.Cut(rest, ":")
	if hasPort {
		n, err := strconv.Atoi(port)
		if !validPort.MatchString(port) || err != nil || n < 1 || n > 65535 {
			return "", "has an invalid port"
		}
	}
	if host == "" {
		return "", "must have a host"
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if l == "*" && i == 0 {
			if len(labels) < 3 {
				return "", "a wildcard must be followed by at least two labels (https://*.example.com)"
			}
			continue
		}
		if strings.Contains(l, "*") {
			return "", "the wildcard * is only allowed as the whole first label of the host"
		}
		if !validLabel.MatchString(l) {
			return "", "host labels may only contain a-z, 0-9 and single inner hyphens"
		}
	}
	return scheme + "://" + rest, ""
}

// originParts splits a serialized origin into scheme, host and port, filling the default
// port of the scheme so "https://a.com" and "https://a.com:443" compare equal.
func originParts(origin string) (scheme, host, port string, ok bool) {
	scheme, rest, found := strings.Cut(strings.ToLower(origin), "://")
	if !found || (scheme != "http" && scheme != "https") || rest == "" || strings.ContainsAny(rest, "/?#@") {
		return "", "", "", false
	}
	host, port, hasPort := strings.Cut(rest, ":")
	if !hasPort || port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme, host, port, host != ""
}

// redirectOrigin is the origin (scheme://host[:port]) of a redirect URI.
func redirectOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

// AllowedOrigins is every origin allowed to call the pool's APIs on behalf of app: the configured
// CORS origins and, implicitly, the origins of its redirect and logout redirect URIs.
func AllowedOrigins(app *Application) []string {
	seen := map[string]bool{}
	var out []string
	add := func(o string) {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	for _, o := range app.CORSOrigins {
		add(o)
	}
	for _, list := range [][]string{app.RedirectURIs, app.LogoutRedirectURIs} {
		for _, r := range list {
			if o, ok := redirectOrigin(r); ok {
				add(o)
			}
		}
	}
	return out
}

// OriginAllowed reports whether a browser Origin header value may call on behalf of app.
// Scheme and port must match exactly (default ports filled in); a wildcard pattern
// "https://*.example.com" matches exactly one extra label ("https://a.example.com", not
// "https://example.com" nor "https://a.b.example.com").
func OriginAllowed(app *Application, origin string) bool {
	scheme, host, port, ok := originParts(origin)
	if !ok || strings.Contains(host, "*") {
		return false
	}
	for _, pattern := range AllowedOrigins(app) {
		ps, ph, pp, ok := originParts(pattern)
		if !ok || ps != scheme || pp != port {
			continue
		}
		if suffix, wild := strings.CutPrefix(ph, "*."); wild {
			label, rest, found := strings.Cut(host, ".")
			if found && label != "" && rest == suffix {
				return true
			}
			continue
		}
		if ph == host {
			return true
		}
	}
	return false
}

var (
	markdownLink  = regexp.MustCompile(`\[[^\[\]]*\]\s*\(([^()]*)\)`)
	linkRemainder = regexp.MustCompile(`\]\s*\(`)
)

// ValidateConsentText checks a consent statement: 1 to 512 characters of text in which every
// Markdown link [text](target) points at an absolute http or https URL, so a statement can
// never carry a javascript: or data: link to the login page.
func ValidateConsentText(text string) string {
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	switch {
	case n == 0:
		return "is required"
	case utf8.RuneCountInString(text) > MaxConsentTextLength:
		return "must be at most 512 characters"
	}
	for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
		target := strings.TrimSpace(m[1])
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.ContainsFunc(target, unicode.IsSpace) {
			return "links must point at absolute http or https URLs"
		}
	}
	if linkRemainder.MatchString(markdownLink.ReplaceAllString(text, "")) {
		return "has a malformed Markdown link; write [text](https://…)"
	}
	return ""
}
