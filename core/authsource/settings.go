package authsource

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// PolicyInput is a source's policy as sent; nil fields take their defaults. Fields that do not
// apply to the source's type are refused.
type PolicyInput struct {
	CodeLength      *int
	CodeTTLSeconds  *int
	Strength        *string
	PasswordHistory *int
	Lockout         *domain.Lockout
	Captcha         *domain.Captcha
}

// Settings are the editable fields of a source; nil keeps the stored value (update) or takes
// the default (create). A given Policy replaces the whole policy.
type Settings struct {
	Name        *string
	Description *string
	Attribute   *string
	// Icon is a PNG or JPEG (≤ 1 MiB); an empty slice removes it.
	Icon   *[]byte
	Policy *PolicyInput
}

// defaultAttribute is the fixed attribute of OTP sources and the default of username-password
// sources.
func defaultAttribute(t domain.AuthSourceType) string {
	switch t {
	case domain.SourceSMSOTP:
		return domain.IdentPhoneNumber
	case domain.SourceEmailOTP:
		return domain.IdentEmail
	default:
		return domain.IdentUserName
	}
}

// DefaultPolicy is the policy of a new source of type t.
func DefaultPolicy(t domain.AuthSourceType) domain.AuthSourcePolicy {
	if t.IsOTP() {
		return domain.AuthSourcePolicy{CodeLength: domain.DefaultOTPCodeLength, CodeTTLSeconds: domain.DefaultOTPCodeTTL}
	}
	return domain.AuthSourcePolicy{Strength: domain.StrengthStrong, Lockout: &domain.Lockout{}, Captcha: &domain.Captcha{}}
}

// apply checks in and writes it onto src, returning every problem at once.
func apply(src *domain.AuthSource, in Settings) error {
	var p domain.Problems
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		switch {
		case n == "":
			p.Add("name", "is required")
		case utf8.RuneCountInString(n) > domain.MaxAuthSourceNameLength:
			p.Add("name", "must be at most 128 characters")
		default:
			src.Name = n
		}
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(d) > domain.MaxDescriptionLength {
			p.Add("description", "must be at most 512 characters")
		} else {
			src.Description = d
		}
	}
	if in.Attribute != nil {
		a := *in.Attribute
		switch {
		case src.Type.IsOTP() && a != defaultAttribute(src.Type):
			p.Add("attribute", "is fixed to "+defaultAttribute(src.Type)+" for "+string(src.Type)+" sources")
		case a != domain.IdentUserName && a != domain.IdentEmail && a != domain.IdentPhoneNumber:
			p.Add("attribute", "must be one of: user_name email phone_number")
		default:
			src.Attribute = a
		}
	}
	if in.Policy != nil {
		src.Policy = policy(&p, src.Type, *in.Policy)
	}
	return p.Err()
}

func between(p *domain.Problems, field string, v *int, lo, hi int, dst *int) {
	if v == nil {
		return
	}
	if *v < lo || *v > hi {
		p.Add(field, fmt.Sprintf("must be between %d and %d", lo, hi))
		return
	}
	*dst = *v
}

func policy(p *domain.Problems, t domain.AuthSourceType, in PolicyInput) domain.AuthSourcePolicy {
	out := DefaultPolicy(t)
	notFor := func(field string, given bool) {
		if given {
			p.Add("policy."+field, "does not apply to "+string(t)+" sources")
		}
	}
	if t.IsOTP() {
		maxLen := domain.MaxSMSCodeLength
		if t == domain.SourceEmailOTP {
			maxLen = domain.MaxEmailCodeLength
		}
		between(p, "policy.code_length", in.CodeLength, 1, maxLen, &out.CodeLength)
		between(p, "policy.code_ttl_seconds", in.CodeTTLSeconds, 1, domain.MaxOTPCodeTTL, &out.CodeTTLSeconds)
		notFor("strength", in.Strength != nil)
		notFor("password_history", in.PasswordHistory != nil)
		notFor("lockout", in.Lockout != nil)
		notFor("captcha", in.Captcha != nil)
		return out
	}
	notFor("code_length", in.CodeLength != nil)
	notFor("code_ttl_seconds", in.CodeTTLSeconds != nil)
	if in.Strength != nil {
		if s := domain.PasswordStrength(*in.Strength); s.Valid() {
			out.Strength = s
		} else {
			p.Add("policy.strength", "must be one of: weak medium strong very_strong maximum")
		}
	}
	between(p, "policy.password_history", in.PasswordHistory, 1, domain.MaxPasswordHistory, &out.PasswordHistory)
	if l := in.Lockout; l != nil {
		out.Lockout = &domain.Lockout{Enabled: l.Enabled}
		ranged := func(field string, v, hi int, dst *int) {
			if v == 0 && !l.Enabled {
				return
			}
			if v < 1 || v > hi {
				reason := fmt.Sprintf("must be between 1 and %d", hi)
				if v == 0 {
					reason = "is required when the lockout is enabled"
				}
				p.Add("policy.lockout."+field, reason)
				return
			}
			*dst = v
		}
		ranged("threshold", l.Threshold, domain.MaxLockoutThreshold, &out.Lockout.Threshold)
		ranged("retry_period_hours", l.RetryPeriodHours, domain.MaxRetryPeriodHours, &out.Lockout.RetryPeriodHours)
		ranged("auto_unlock_minutes", l.AutoUnlockMinutes, domain.MaxAutoUnlockMinutes, &out.Lockout.AutoUnlockMinutes)
	}
	if c := in.Captcha; c != nil {
		out.Captcha = &domain.Captcha{Enabled: c.Enabled}
		if c.AfterFailures != 0 || c.Enabled {
			switch {
			case c.AfterFailures == 0:
				p.Add("policy.captcha.after_failures", "is required when the captcha is enabled")
			case c.AfterFailures < 1 || c.AfterFailures > domain.MaxCaptchaAfterFailures:
				p.Add("policy.captcha.after_failures", "must be between 1 and 999")
			default:
				out.Captcha.AfterFailures = c.AfterFailures
			}
		}
	}
	return out
}
