package domain

import (
	"fmt"
	"strings"
	"time"
)

// OTP usages of POST /otp/send (the seed's usage field).
var OTPUsages = []string{UsageLogin, UsageSignup, UsageUpdateUserinfo, UsageResetPassword}

// IsOTPUsage reports whether u is a usage /otp/send accepts.
func IsOTPUsage(u string) bool {
	for _, k := range OTPUsages {
		if k == u {
			return true
		}
	}
	return false
}

// OTP constants: how long an otp_token lives (the seed's 5 minutes) and how many wrong codes
// burn it.
const (
	OTPTokenTTL         = 5 * time.Minute
	OTPMaxAttempts      = 5
	MaxBlockedDomains   = 500
	MaxEmailDomainLen   = 253
	DefaultOTPCooldown  = 60
	DefaultOTPPerHour   = 5
	DefaultOTPPerDay    = 10
	DefaultOTPPerIP     = 30
	DefaultOTPIPWindow  = 300
	DefaultOTPPoolDaily = 10_000
)

// OTPChallenge is one sent (or, for an unknown recipient, pretended) code. The code and the
// otp_token are stored only as keyed/plain hashes; the challenge binds them to the application
// (client), the auth source, the channel, the recipient and the usage of the send.
type OTPChallenge struct {
	ID             string
	PoolID         string
	ApplicationID  string
	AuthSourceID   string
	Channel        string
	Recipient      string
	Usage          string
	CodeHMAC       string
	TokenHash      string
	Attempts       int
	CodeExpiresAt  time.Time
	TokenExpiresAt time.Time
	ConsumedAt     *time.Time
	BurnedAt       *time.Time
	CreatedAt      time.Time
}

// Usable reports whether the otp_token can still be presented at now.
func (c *OTPChallenge) Usable(now time.Time) bool {
	return c.ConsumedAt == nil && c.BurnedAt == nil && c.Attempts < OTPMaxAttempts && now.Before(c.TokenExpiresAt)
}

// OTPSettings are a pool's send limits. A zero cooldown turns the cooldown off.
type OTPSettings struct {
	PoolID                   string    `json:"-"`
	RecipientCooldownSeconds int       `json:"recipient_cooldown_seconds"`
	RecipientHourlyLimit     int       `json:"recipient_hourly_limit"`
	RecipientDailyLimit      int       `json:"recipient_daily_limit"`
	IPLimit                  int       `json:"ip_limit"`
	IPWindowSeconds          int       `json:"ip_window_seconds"`
	PoolDailyLimit           int       `json:"pool_daily_limit"`
	BlockedEmailDomains      []string  `json:"blocked_email_domains"`
	UpdatedAt                time.Time `json:"-"`
}

// DefaultOTPSettings are the limits of a pool that never set its own.
func DefaultOTPSettings(poolID string) *OTPSettings {
	return &OTPSettings{PoolID: poolID, RecipientCooldownSeconds: DefaultOTPCooldown, RecipientHourlyLimit: DefaultOTPPerHour,
		RecipientDailyLimit: DefaultOTPPerDay, IPLimit: DefaultOTPPerIP, IPWindowSeconds: DefaultOTPIPWindow,
		PoolDailyLimit: DefaultOTPPoolDaily, BlockedEmailDomains: []string{}}
}

// Validate checks the ranges and normalises the blocked domains (lowercase, deduplicated).
func (s *OTPSettings) Validate() error {
	var p Problems
	rng := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			p.Add(field, fmt.Sprintf("must be between %d and %d", lo, hi))
		}
	}
	rng("recipient_cooldown_seconds", s.RecipientCooldownSeconds, 0, 3600)
	rng("recipient_hourly_limit", s.RecipientHourlyLimit, 1, 1000)
	rng("recipient_daily_limit", s.RecipientDailyLimit, 1, 10_000)
	rng("ip_limit", s.IPLimit, 1, 1_000_000)
	rng("ip_window_seconds", s.IPWindowSeconds, 60, 86_400)
	rng("pool_daily_limit", s.PoolDailyLimit, 1, 100_000_000)
	if s.RecipientDailyLimit < s.RecipientHourlyLimit && s.RecipientDailyLimit >= 1 {
		p.Add("recipient_daily_limit", "must not be below recipient_hourly_limit")
	}
	if len(s.BlockedEmailDomains) > MaxBlockedDomains {
		p.Add("blocked_email_domains", fmt.Sprintf("must have at most %d items", MaxBlockedDomains))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(s.BlockedEmailDomains))
	for i, d := range s.BlockedEmailDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !validDomain(d) {
			p.Add(fmt.Sprintf("blocked_email_domains[%d]", i), "must be a domain name such as example.com")
			continue
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	s.BlockedEmailDomains = out
	return p.Err()
}

func validDomain(d string) bool {
	if d == "" || len(d) > MaxEmailDomainLen || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// EmailBlocked reports whether the (normalised) address is in a blocked domain or one of its
// subdomains.
func (s *OTPSettings) EmailBlocked(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	host := email[at+1:]
	for _, d := range s.BlockedEmailDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}
