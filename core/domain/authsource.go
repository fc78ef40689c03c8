package domain

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuthSourceType is the closed set of general authentication sources.
type AuthSourceType string

const (
	SourceUsernamePassword AuthSourceType = "username_password"
	SourceSMSOTP           AuthSourceType = "sms_otp"
	SourceEmailOTP         AuthSourceType = "email_otp"
)

// Valid reports whether t is a known type.
func (t AuthSourceType) Valid() bool {
	return t == SourceUsernamePassword || t == SourceSMSOTP || t == SourceEmailOTP
}

// IsOTP reports whether the source sends one-time codes.
func (t AuthSourceType) IsOTP() bool { return t == SourceSMSOTP || t == SourceEmailOTP }

// Limits and defaults of authentication source policies (the guide's ranges).
const (
	MaxAuthSourceNameLength = 128
	DefaultOTPCodeLength    = 6
	DefaultOTPCodeTTL       = 60
	MaxSMSCodeLength        = 6
	MaxEmailCodeLength      = 128
	MaxOTPCodeTTL           = 300
	MaxPasswordHistory      = 128
	MaxLockoutThreshold     = 999
	MaxRetryPeriodHours     = 99_999
	MaxAutoUnlockMinutes    = 999_999
	MaxCaptchaAfterFailures = 999
	MaxPasswordLength       = 128
)

// PasswordStrength is one of the five password policy presets.
type PasswordStrength string

// The five presets. Character classes: lowercase letter, uppercase letter, digit, and symbol
// (any other character, including space and letters of scripts without case). Length counts
// characters (Unicode code points), never bytes. Every preset caps passwords at 128 characters.
const (
	// StrengthWeak: at least 6 characters of any kind.
	StrengthWeak PasswordStrength = "weak"
	// StrengthMedium: at least 8 characters, with at least one letter and one digit.
	StrengthMedium PasswordStrength = "medium"
	// StrengthStrong (the default): at least 8 characters from at least 3 of the 4 classes.
	StrengthStrong PasswordStrength = "strong"
	// StrengthVeryStrong: at least 12 characters from all 4 classes.
	StrengthVeryStrong PasswordStrength = "very_strong"
	// StrengthMaximum: at least 16 characters from all 4 classes, and no character repeated
	// more than twice in a row.
	StrengthMaximum PasswordStrength = "maximum"
)

// PasswordStrengths lists the presets from weakest to strongest.
var PasswordStrengths = []PasswordStrength{StrengthWeak, StrengthMedium, StrengthStrong, StrengthVeryStrong, StrengthMaximum}

// Valid reports whether s is a known preset.
func (s PasswordStrength) Valid() bool {
	for _, k := range PasswordStrengths {
		if k == s {
			return true
		}
	}
	return false
}

// CheckPassword lists every rule of the preset that password breaks; none means it is
// acceptable.
func CheckPassword(s PasswordStrength, password string) []string {
	var lower, upper, digit, symbol, letter bool
	run, maxRun := 0, 0
	var prev rune = -1
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower, letter = true, true
		case unicode.IsUpper(r):
			upper, letter = true, true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
			if unicode.IsLetter(r) {
				letter = true
			}
		}
		if r == prev {
			run++
		} else {
			run = 1
		}
		maxRun, prev = max(maxRun, run), r
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	n := utf8.RuneCountInString(password)
	var reasons []string
	minLen := map[PasswordStrength]int{StrengthWeak: 6, StrengthMedium: 8, StrengthStrong: 8, StrengthVeryStrong: 12, StrengthMaximum: 16}[s]
	if n < minLen {
		reasons = append(reasons, fmt.Sprintf("must be at least %d characters", minLen))
	}
	if n > MaxPasswordLength {
		reasons = append(reasons, fmt.Sprintf("must be at most %d characters", MaxPasswordLength))
	}
	switch s {
	case StrengthMedium:
		if !letter {
			reasons = append(reasons, "must contain a letter")
		}
		if !digit {
			reasons = append(reasons, "must contain a digit")
		}
	case StrengthStrong:
		if classes < 3 {
			reasons = append(reasons, "must contain at least 3 of: lowercase letter, uppercase letter, digit, symbol")
		}
	case StrengthVeryStrong, StrengthMaximum:
		for _, c := range []struct {
			ok   bool
			what string
		}{{lower, "a lowercase letter"}, {upper, "an uppercase letter"}, {digit, "a digit"}, {symbol, "a symbol"}} {
			if !c.ok {
				reasons = append(reasons, "must contain "+c.what)
			}
		}
		if s == StrengthMaximum && maxRun > 2 {
			reasons = append(reasons, "must not repeat a character more than twice in a row")
		}
	}
	return reasons
}

// Lockout is the password lock: after Threshold failures within RetryPeriodHours the user is
// locked for AutoUnlockMinutes.
type Lockout struct {
	Enabled           bool `json:"enabled"`
	Threshold         int  `json:"threshold,omitempty"`
	RetryPeriodHours  int  `json:"retry_period_hours,omitempty"`
	AutoUnlockMinutes int  `json:"auto_unlock_minutes,omitempty"`
}

// Captcha asks for a verification code after AfterFailures consecutive failed logins.
type Captcha struct {
	Enabled       bool `json:"enabled"`
	AfterFailures int  `json:"after_failures,omitempty"`
}

// AuthSourcePolicy is the policy of a source. OTP sources use CodeLength and CodeTTLSeconds;
// username-password sources the rest. The json tags fix the stored and shown shape.
type AuthSourcePolicy struct {
	CodeLength      int              `json:"code_length,omitempty"`
	CodeTTLSeconds  int              `json:"code_ttl_seconds,omitempty"`
	Strength        PasswordStrength `json:"strength,omitempty"`
	PasswordHistory int              `json:"password_history,omitempty"`
	Lockout         *Lockout         `json:"lockout,omitempty"`
	Captcha         *Captcha         `json:"captcha,omitempty"`
}

// AuthSource is a general authentication source of a pool.
type AuthSource struct {
	ID          string
	PoolID      string
	Type        AuthSourceType
	Name        string
	IconImageID string
	Attribute   string
	Description string
	Enabled     bool
	Policy      AuthSourcePolicy
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AppRef names an application in answers and warnings.
type AppRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
