package domain

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func validAttr() Attribute {
	return Attribute{Name: "level", Label: "Level", Source: AttributeCustom, Type: FieldString, Masking: Masking{Rule: MaskNone}, Enabled: true}
}

func TestValidateAttribute(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(a *Attribute)
		field string // "" = valid
	}{
		{"valid", func(a *Attribute) {}, ""},
		{"empty name", func(a *Attribute) { a.Name = "" }, "name"},
		{"name with digit first", func(a *Attribute) { a.Name = "1abc" }, "name"},
		{"name with dash", func(a *Attribute) { a.Name = "a-b" }, "name"},
		{"name 64 chars", func(a *Attribute) { a.Name = "a" + strings.Repeat("b", 63) }, ""},
		{"name 65 chars", func(a *Attribute) { a.Name = "a" + strings.Repeat("b", 64) }, "name"},
		{"blank label", func(a *Attribute) { a.Label = "  " }, "label"},
		{"label 129", func(a *Attribute) { a.Label = strings.Repeat("é", 129) }, "label"},
		{"label 128 runes", func(a *Attribute) { a.Label = strings.Repeat("é", 128) }, ""},
		{"unknown type", func(a *Attribute) { a.Type = "blob" }, "field_type"},
		{"enum without options", func(a *Attribute) { a.Type = FieldEnum }, "options"},
		{"enum ok", func(a *Attribute) { a.Type = FieldEnum; a.Options = []string{"a", "b"} }, ""},
		{"enum duplicate", func(a *Attribute) { a.Type = FieldEnum; a.Options = []string{"a", "a"} }, "options"},
		{"enum empty option", func(a *Attribute) { a.Type = FieldEnum; a.Options = []string{"a", " "} }, "options"},
		{"enum 101 options", func(a *Attribute) {
			a.Type = FieldEnum
			for i := range 101 {
				a.Options = append(a.Options, strings.Repeat("x", i+1))
			}
		}, "options"},
		{"options on string", func(a *Attribute) { a.Options = []string{"a"} }, "options"},
		{"unknown masking", func(a *Attribute) { a.Masking.Rule = "blur" }, "masking"},
		{"keep ok", func(a *Attribute) { a.Masking = Masking{Rule: MaskKeep, KeepFirst: 2, KeepLast: 32} }, ""},
		{"keep too many", func(a *Attribute) { a.Masking = Masking{Rule: MaskKeep, KeepFirst: 33} }, "mask_keep_first"},
		{"keep negative", func(a *Attribute) { a.Masking = Masking{Rule: MaskKeep, KeepLast: -1} }, "mask_keep_last"},
		{"keep counts without keep", func(a *Attribute) { a.Masking = Masking{Rule: MaskPhone, KeepFirst: 1} }, "mask_keep_first"},
		{"regex ok", func(a *Attribute) { a.Regex = `^[a-z]+$`; a.RegexError = "letters only" }, ""},
		{"regex broken", func(a *Attribute) { a.Regex = `([a-z` }, "regex"},
		{"regex too long", func(a *Attribute) { a.Regex = strings.Repeat("a", 513) }, "regex"},
		{"regex error without regex", func(a *Attribute) { a.RegexError = "x" }, "regex_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validAttr()
			tt.edit(&a)
			err := ValidateAttribute(&a)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Kind != KindInvalid {
				t.Fatalf("want invalid on %s, got %v", tt.field, err)
			}
			for _, d := range e.Details {
				if d.Field == tt.field {
					return
				}
			}
			t.Fatalf("no detail on %s: %v", tt.field, err)
		})
	}
}

func TestCheckValue(t *testing.T) {
	str := validAttr()
	num := validAttr()
	num.Type = FieldNumber
	boolean := validAttr()
	boolean.Type = FieldBoolean
	date := validAttr()
	date.Type = FieldDate
	email := validAttr()
	email.Type = FieldEmail
	phone := validAttr()
	phone.Type = FieldPhone
	enum := validAttr()
	enum.Type, enum.Options = FieldEnum, []string{"gold", "silver"}
	rx := validAttr()
	rx.Regex, rx.RegexError = `^[A-Z]{2}\d{4}$`, "two capitals then four digits"
	rxNoMsg := rx
	rxNoMsg.RegexError = ""
	numRx := num
	numRx.Regex = `^\d+$`

	tests := []struct {
		name   string
		attr   Attribute
		raw    any
		want   any
		code   string // "" = ok
		reason string
	}{
		{"string", str, "hello", "hello", "", ""},
		{"string given number", str, 3.0, nil, CodeInvalidRequest, "must be a string"},
		{"string too long", str, strings.Repeat("x", 2049), nil, CodeInvalidRequest, ""},
		{"number", num, 12.5, 12.5, "", ""},
		{"number given string", num, "12", nil, CodeInvalidRequest, "must be a number"},
		{"boolean", boolean, true, true, "", ""},
		{"boolean given string", boolean, "true", nil, CodeInvalidRequest, "must be true or false"},
		{"date", date, "2024-02-29", "2024-02-29", "", ""},
		{"date not leap", date, "2023-02-29", nil, CodeInvalidRequest, ""},
		{"date wrong shape", date, "2024-2-1", nil, CodeInvalidRequest, ""},
		{"email lowercased", email, "Ann@Example.COM", "ann@example.com", "", ""},
		{"email bad", email, "ann@", nil, "malformed_email", ""},
		{"phone mainland", phone, "13812345678", "+8613812345678", "", ""},
		{"phone letters", phone, "1381234abcd", nil, "malformed_phone_number", ""},
		{"enum ok", enum, "gold", "gold", "", ""},
		{"enum other", enum, "bronze", nil, CodeInvalidRequest, ""},
		{"regex ok", rx, "AB1234", "AB1234", "", ""},
		{"regex broken value", rx, "ab1234", nil, CodeInvalidRequest, "two capitals then four digits"},
		{"regex default message", rxNoMsg, "ab", nil, CodeInvalidRequest, "does not match the required pattern"},
		{"regex on number text", numRx, 1.5, nil, CodeInvalidRequest, "does not match the required pattern"},
		{"regex on integer number", numRx, 15.0, 15.0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckValue(&tt.attr, tt.raw)
			if tt.code == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code != tt.code || len(e.Details) != 1 || e.Details[0].Field != "attributes.level" {
				t.Fatalf("got %v, want code %s on attributes.level", err, tt.code)
			}
			if tt.reason != "" && e.Details[0].Reason != tt.reason {
				t.Fatalf("reason %q, want %q", e.Details[0].Reason, tt.reason)
			}
		})
	}
}

func TestMask(t *testing.T) {
	keep := func(first, last int) Attribute {
		return Attribute{Masking: Masking{Rule: MaskKeep, KeepFirst: first, KeepLast: last}}
	}
	rule := func(r MaskRule) Attribute { return Attribute{Masking: Masking{Rule: r}} }
	tests := []struct {
		attr  Attribute
		value string
		want  string
	}{
		{rule(MaskPhone), "+8613812345678", "+86138****5678"},
		{rule(MaskPhone), "+14155550123", "+1415***0123"},
		{rule(MaskPhone), "+4915123456789", "+49151****6789"},
		{rule(MaskEmail), "alice@example.com", "a***@example.com"},
		{rule(MaskEmail), "a@example.com", "a***@example.com"},
		{rule(MaskIDNumber), "110101199001011234", "110***********1234"},
		{rule(MaskIDNumber), "1234567", "123*567"},
		{keep(2, 2), "abcdefgh", "ab****gh"},
		{keep(0, 0), "abc", "***"},
		{keep(5, 5), "abcdef", "ab*def"},
		{keep(32, 32), "x", "*"},
		{keep(1, 1), "中文名字", "中**字"},
		{keep(3, 0), "", ""},
		{rule(MaskNone), "secret", "secret"},
	}
	for _, tt := range tests {
		if got := Mask(&tt.attr, tt.value); got != tt.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", tt.attr.Masking.Rule, tt.value, got, tt.want)
		}
		if got := Mask(&tt.attr, tt.value); len([]rune(got)) > len([]rune(tt.value)) && tt.attr.Masking.Rule != MaskEmail && tt.attr.Masking.Rule != MaskPhone {
			t.Errorf("Mask(%q) = %q reveals more than the value", tt.value, got)
		}
	}
}

func TestUserTransitions(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	fresh := func() User { u := User{}; u.RefreshStatus(); return u }
	type step struct {
		op   string
		code string // expected conflict code, "" = ok
		want UserStatus
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"new user is disabled", []step{{"none", "", UserDisabled}}},
		{"first login enables", []step{{"login", "", UserEnabled}}},
		{"lock and unlock a new user", []step{{"lock", "", UserLocked}, {"unlock", "", UserDisabled}}},
		{"lock and unlock an active user", []step{{"login", "", UserEnabled}, {"lock", "", UserLocked}, {"unlock", "", UserEnabled}}},
		{"double lock", []step{{"lock", "", UserLocked}, {"lock", CodeUserAlreadyLocked, UserLocked}}},
		{"unlock when not locked", []step{{"unlock", CodeUserNotLocked, UserDisabled}}},
		{"freeze wins over lock", []step{{"lock", "", UserLocked}, {"freeze", "", UserFrozen}, {"unfreeze", "", UserLocked}}},
		{"unfreeze enabled user", []step{{"login", "", UserEnabled}, {"freeze", "", UserFrozen}, {"unfreeze", "", UserEnabled}}},
		{"double freeze", []step{{"freeze", "", UserFrozen}, {"freeze", CodeUserAlreadyFrozen, UserFrozen}}},
		{"unfreeze when not frozen", []step{{"unfreeze", CodeUserNotFrozen, UserDisabled}}},
		{"lock frozen", []step{{"freeze", "", UserFrozen}, {"lock", CodeUserFrozen, UserFrozen}}},
		{"failed logins lock", []step{{"login", "", UserEnabled}, {"failures", "", UserLocked}, {"unlock", "", UserEnabled}}},
		{"failed logins keep admin lock", []step{{"lock", "", UserLocked}, {"failures", "", UserLocked}, {"unlock", "", UserDisabled}}},
		{"reset password unlocks", []step{{"login", "", UserEnabled}, {"failures", "", UserLocked}, {"reset", "", UserEnabled}}},
		{"reset password keeps frozen", []step{{"freeze", "", UserFrozen}, {"reset", "", UserFrozen}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := fresh()
			for i, s := range tt.steps {
				var err error
				switch s.op {
				case "login":
					u.ErrorCount = 3
					u.RecordLogin(now)
					if !u.AlreadyFirstLogin || u.ErrorCount != 0 || u.LastLoginAt == nil {
						t.Fatalf("login did not record: %+v", u)
					}
				case "lock":
					err = u.Lock(now)
				case "unlock":
					err = u.Unlock()
				case "freeze":
					err = u.Freeze()
				case "unfreeze":
					err = u.Unfreeze()
				case "failures":
					u.ErrorCount = 5
					u.LockAfterFailures(now)
				case "reset":
					u.ResetPassword("new-hash")
					if u.PasswordHash != "new-hash" || u.LockType != LockNone || u.ErrorCount != 0 {
						t.Fatalf("reset did not unlock: %+v", u)
					}
				}
				if s.code == "" && err != nil {
					t.Fatalf("step %d %s: %v", i, s.op, err)
				}
				if s.code != "" && CodeOf(err) != s.code {
					t.Fatalf("step %d %s: got %v, want %s", i, s.op, err, s.code)
				}
				if u.Status != s.want {
					t.Fatalf("step %d %s: status %s, want %s", i, s.op, u.Status, s.want)
				}
				if u.LockType == LockNone && (u.LockTime != nil || u.ErrorCount != 0) && s.op == "unlock" {
					t.Fatalf("unlock left lock time or error count: %+v", u)
				}
			}
		})
	}
}

func BenchmarkCheckValueRegex(b *testing.B) {
	a := validAttr()
	a.Regex = `^[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]$`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckValue(&a, "11010519491231002X"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAttributeRegexesAreCompiledOncePerPattern(t *testing.T) {
	a := validAttr()
	a.Regex = `^[A-Z]{2}\d{4}-once$`
	cached := func() *regexp.Regexp {
		attributeRegexes.mu.RLock()
		defer attributeRegexes.mu.RUnlock()
		return attributeRegexes.compiled[a.Regex]
	}
	if _, err := CheckValue(&a, "AB1234-once"); err != nil {
		t.Fatal(err)
	}
	first := cached()
	if first == nil {
		t.Fatal("the checked pattern is not kept")
	}
	if _, err := CheckValue(&a, "CD5678"); err == nil {
		t.Fatal("a value not matching passed")
	}
	if cached() != first {
		t.Fatal("the pattern was compiled again")
	}

	c := regexCache{max: 3, compiled: map[string]*regexp.Regexp{}}
	for i := range 10 {
		if _, err := c.compile(fmt.Sprintf("^a{%d}$", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.compiled) != 3 {
		t.Fatalf("%d patterns kept, bound is 3", len(c.compiled))
	}
	if _, err := c.compile("("); err == nil || len(c.compiled) != 3 {
		t.Fatalf("broken pattern: %v, %d kept", err, len(c.compiled))
	}
}
