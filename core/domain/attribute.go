package domain

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// AttributeSource tells where an attribute comes from. Built-in attributes are fixed; preset and
// custom ones may be edited and deleted.
type AttributeSource string

const (
	AttributeBuiltin AttributeSource = "builtin"
	AttributePreset  AttributeSource = "preset"
	AttributeCustom  AttributeSource = "custom"
)

// FieldType is the type of an attribute's values.
type FieldType string

const (
	FieldString  FieldType = "string"
	FieldNumber  FieldType = "number"
	FieldBoolean FieldType = "boolean"
	FieldDate    FieldType = "date"
	FieldEmail   FieldType = "email"
	FieldPhone   FieldType = "phone"
	FieldEnum    FieldType = "enum"
)

// MaskRule is how list views show an attribute's values.
type MaskRule string

const (
	MaskNone     MaskRule = "none"
	MaskPhone    MaskRule = "phone"
	MaskEmail    MaskRule = "email"
	MaskIDNumber MaskRule = "id_number"
	MaskKeep     MaskRule = "keep" // keep the first KeepFirst and last KeepLast characters
)

// Masking is an attribute's masking rule with its parameters.
type Masking struct {
	Rule      MaskRule
	KeepFirst int
	KeepLast  int
}

// Attribute describes one user attribute of a pool.
type Attribute struct {
	ID         string
	PoolID     string
	Name       string
	Label      string
	Source     AttributeSource
	Type       FieldType
	Options    []string // enum values
	Masking    Masking
	Regex      string
	RegexError string
	Enabled    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Built-in attribute names. They live in columns of the user row, not among attribute values.
const (
	AttrUserName          = "userName"
	AttrEmail             = "email"
	AttrPhoneNumber       = "phoneNumber"
	AttrPassword          = "password"
	AttrStatus            = "status"
	AttrAlreadyFirstLogin = "alreadyFirstLogin"
	AttrErrorCount        = "errorCount"
	AttrLockType          = "lockType"
	AttrLockTime          = "lockTime"
	AttrSource            = "source"
	AttrLastLogin         = "lastLogin"
)

// DefaultAttributes is the catalogue every new pool starts with: the built-in attributes, then
// the preset ones (enabled, editable and deletable).
func DefaultAttributes() []Attribute {
	builtin := func(name, label string, t FieldType, mask MaskRule) Attribute {
		return Attribute{Name: name, Label: label, Source: AttributeBuiltin, Type: t, Masking: Masking{Rule: mask}, Enabled: true}
	}
	preset := func(name, label string, t FieldType) Attribute {
		return Attribute{Name: name, Label: label, Source: AttributePreset, Type: t, Masking: Masking{Rule: MaskNone}, Enabled: true}
	}
	return []Attribute{
		builtin(AttrUserName, "Username", FieldString, MaskNone),
		builtin(AttrEmail, "Email", FieldEmail, MaskEmail),
		builtin(AttrPhoneNumber, "Phone number", FieldPhone, MaskPhone),
		builtin(AttrPassword, "Password", FieldString, MaskNone),
		builtin(AttrStatus, "Status", FieldString, MaskNone),
		builtin(AttrAlreadyFirstLogin, "Already logged in once", FieldBoolean, MaskNone),
		builtin(AttrErrorCount, "Failed login count", FieldNumber, MaskNone),
		builtin(AttrLockType, "Lock type", FieldString, MaskNone),
		builtin(AttrLockTime, "Lock time", FieldString, MaskNone),
		builtin(AttrSource, "Source", FieldString, MaskNone),
		builtin(AttrLastLogin, "Last login", FieldString, MaskNone),
		preset("nickname", "Nickname", FieldString),
		preset("name", "Name", FieldString),
		preset("birthdate", "Birthdate", FieldDate),
		preset("address", "Address", FieldString),
		preset("locale", "Locale", FieldString),
		preset("zoneinfo", "Time zone", FieldString),
		preset("description", "Description", FieldString),
		preset("gender", "Gender", FieldString),
		preset("picture", "Picture URL", FieldString),
		preset("website", "Website", FieldString),
	}
}

// Attribute limits. Names are identifiers so they can be JSON keys, claim names and SQL-safe.
const (
	MaxAttributeNameLength  = 64
	MaxAttributeLabelLength = 128
	MaxAttributeOptions     = 100
	MaxAttributeRegexLength = 512
	MaxRegexErrorLength     = 256
	MaxMaskKeep             = 32
	// MaxAttributeValueLength bounds a string value, in characters.
	MaxAttributeValueLength = 2048
)

var attributeNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// FieldTypes lists the valid field types.
var FieldTypes = []FieldType{FieldString, FieldNumber, FieldBoolean, FieldDate, FieldEmail, FieldPhone, FieldEnum}

// MaskRules lists the valid masking rules.
var MaskRules = []MaskRule{MaskNone, MaskPhone, MaskEmail, MaskIDNumber, MaskKeep}

// ValidateAttributeName checks the identifier rule of attribute names.
func ValidateAttributeName(name string) error {
	if name == "" {
		return InvalidField("name", "is required")
	}
	if !attributeNamePattern.MatchString(name) {
		return InvalidField("name", "must start with a letter and hold at most 64 letters, digits or underscores")
	}
	return nil
}

// ValidateAttribute checks a whole attribute definition (name, label, type, options, masking,
// regex) and reports every problem by its JSON field name. It trims the label and regex error.
func ValidateAttribute(a *Attribute) error {
	var p Problems
	if err := ValidateAttributeName(a.Name); err != nil {
		p = append(p, err.(*Error).Details...)
	}
	a.Label = strings.TrimSpace(a.Label)
	switch {
	case a.Label == "":
		p.Add("label", "is required")
	case utf8.RuneCountInString(a.Label) > MaxAttributeLabelLength:
		p.Add("label", "must be at most 128 characters")
	}
	if !slices.Contains(FieldTypes, a.Type) {
		p.Add("field_type", "must be one of: string, number, boolean, date, email, phone, enum")
	}
	if a.Type == FieldEnum {
		if reason := checkOptions(a.Options); reason != "" {
			p.Add("options", reason)
		}
	} else if len(a.Options) > 0 {
		p.Add("options", "are allowed only for the enum field type")
	}
	if !slices.Contains(MaskRules, a.Masking.Rule) {
		p.Add("masking", "must be one of: none, phone, email, id_number, keep")
	}
	if a.Masking.Rule == MaskKeep {
		if a.Masking.KeepFirst < 0 || a.Masking.KeepFirst > MaxMaskKeep {
			p.Add("mask_keep_first", "must be between 0 and 32")
		}
		if a.Masking.KeepLast < 0 || a.Masking.KeepLast > MaxMaskKeep {
			p.Add("mask_keep_last", "must be between 0 and 32")
		}
	} else {
		if a.Masking.KeepFirst != 0 {
			p.Add("mask_keep_first", "is allowed only with the keep masking rule")
		}
		if a.Masking.KeepLast != 0 {
			p.Add("mask_keep_last", "is allowed only with the keep masking rule")
		}
	}
	if utf8.RuneCountInString(a.Regex) > MaxAttributeRegexLength {
		p.Add("regex", "must be at most 512 characters")
	} else if a.Regex != "" {
		if _, err := attributeRegexes.compile(a.Regex); err != nil {
			p.Add("regex", "is not a valid regular expression: "+strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	a.RegexError = strings.TrimSpace(a.RegexError)
	if utf8.RuneCountInString(a.RegexError) > MaxRegexErrorLength {
		p.Add("regex_error", "must be at most 256 characters")
	}
	if a.RegexError != "" && a.Regex == "" {
		p.Add("regex_error", "needs a regex")
	}
	return p.Err()
}

func checkOptions(opts []string) string {
	if len(opts) == 0 || len(opts) > MaxAttributeOptions {
		return "must hold between 1 and 100 values"
	}
	seen := make(map[string]bool, len(opts))
	for _, o := range opts {
		if strings.TrimSpace(o) == "" {
			return "must not hold empty values"
		}
		if utf8.RuneCountInString(o) > MaxAttributeLabelLength {
			return "values must be at most 128 characters"
		}
		if seen[o] {
			return "must not hold duplicates"
		}
		seen[o] = true
	}
	return ""
}

// ValueField is the request field that carries attribute name's value.
func ValueField(name string) string { return "attributes." + name }

// CheckValue checks raw, a value decoded from JSON, against attr's type, options and regex and
// returns it normalized (emails lowercased, phones in E.164, numbers as float64). Errors name the
// field attributes.<name>; a regex failure carries the attribute's regex_error as its reason.
func CheckValue(attr *Attribute, raw any) (any, error) {
	field := ValueField(attr.Name)
	bad := func(reason string) (any, error) { return nil, InvalidField(field, reason) }
	var normalized any
	var text string
	switch attr.Type {
	case FieldString, FieldDate, FieldEmail, FieldPhone, FieldEnum:
		s, ok := raw.(string)
		if !ok {
			return bad("must be a string")
		}
		if utf8.RuneCountInString(s) > MaxAttributeValueLength {
			return bad(fmt.Sprintf("must be at most %d characters", MaxAttributeValueLength))
		}
		switch attr.Type {
		case FieldDate:
			d, err := time.Parse(time.DateOnly, s)
			if err != nil || d.Format(time.DateOnly) != s {
				return bad("must be a date as YYYY-MM-DD")
			}
		case FieldEmail:
			e, err := NormalizeEmail(s)
			if err != nil {
				return nil, Invalid(ErrMalformedEmail.Code, ErrMalformedEmail.Description, FieldError{Field: field, Reason: "must be an email address"})
			}
			s = e
		case FieldPhone:
			ph, err := NormalizePhone(s)
			if err != nil {
				return nil, Invalid(ErrMalformedPhone.Code, ErrMalformedPhone.Description, FieldError{Field: field, Reason: "must be a mainland mobile number or E.164"})
			}
			s = ph
		case FieldEnum:
			if !slices.Contains(attr.Options, s) {
				return bad("must be one of the attribute's options")
			}
		}
		normalized, text = s, s
	case FieldNumber:
		var f float64
		switch n := raw.(type) {
		case float64:
			f = n
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		case json.Number:
			var err error
			if f, err = n.Float64(); err != nil {
				return bad("must be a number")
			}
		default:
			return bad("must be a number")
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("must be a finite number")
		}
		normalized, text = f, strconv.FormatFloat(f, 'f', -1, 64)
	case FieldBoolean:
		b, ok := raw.(bool)
		if !ok {
			return bad("must be true or false")
		}
		normalized, text = b, strconv.FormatBool(b)
	default:
		return bad("has an unknown field type")
	}
	if attr.Regex != "" {
		re, err := attributeRegexes.compile(attr.Regex)
		if err != nil {
			return nil, Internal("attribute regex", err)
		}
		if !re.MatchString(text) {
			reason := attr.RegexError
			if reason == "" {
				reason = "does not match the required pattern"
			}
			return bad(reason)
		}
	}
	return normalized, nil
}

// attributeRegexes holds the compiled attribute regexes by pattern. Attributes are read from the
// store for every request, so without it each value checked would compile its pattern again. The
// patterns are the pools' own input, hence the bound.
var attributeRegexes = regexCache{max: 256, compiled: map[string]*regexp.Regexp{}}

// regexCache is a bounded map from pattern to compiled regex, safe for concurrent use. When full
// it drops an arbitrary entry (map order is random), which keeps it cheap and still serves a
// working set larger than the bound in part.
type regexCache struct {
	mu       sync.RWMutex
	max      int
	compiled map[string]*regexp.Regexp
}

func (c *regexCache) compile(pattern string) (*regexp.Regexp, error) {
	c.mu.RLock()
	re := c.compiled[pattern]
	c.mu.RUnlock()
	if re != nil {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.compiled[pattern]; prev != nil {
		return prev, nil
	}
	if len(c.compiled) >= c.max {
		for p := range c.compiled {
			delete(c.compiled, p)
			break
		}
	}
	c.compiled[pattern] = re
	return re, nil
}

// ValueString is the text form of a stored attribute value, as masking and regexes see it.
func ValueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// Mask hides part of value per attr's masking rule, for list views. It never reveals more
// characters than the value has, and hides at least one character of any non-empty value under
// a rule other than none.
func Mask(attr *Attribute, value string) string {
	switch attr.Masking.Rule {
	case MaskPhone:
		return maskPhone(value)
	case MaskEmail:
		return maskEmail(value)
	case MaskIDNumber:
		return keepEnds(value, 3, 4)
	case MaskKeep:
		return keepEnds(value, attr.Masking.KeepFirst, attr.Masking.KeepLast)
	default:
		return value
	}
}

// keepEnds keeps the first `first` and last `last` characters and stars the rest; when that
// would show the whole value, it keeps fewer so at least one character stays hidden.
func keepEnds(value string, first, last int) string {
	r := []rune(value)
	if len(r) == 0 {
		return value
	}
	first, last = max(first, 0), max(last, 0)
	for first+last >= len(r) {
		if first >= last && first > 0 {
			first--
		} else if last > 0 {
			last--
		} else {
			break
		}
	}
	return string(r[:first]) + strings.Repeat("*", len(r)-first-last) + string(r[len(r)-last:])
}

// maskPhone keeps the country code, the first 3 and the last 4 digits of the national number:
// +8613812345678 → +86138****5678.
func maskPhone(value string) string {
	if !strings.HasPrefix(value, "+") {
		return keepEnds(value, 3, 4)
	}
	digits := value[1:]
	cc := countryCodeLength(digits)
	if cc >= len(digits) {
		return keepEnds(value, 1, 0)
	}
	return "+" + digits[:cc] + keepEnds(digits[cc:], 3, 4)
}

// countryCodeLength tells how many digits of an E.164 number (without +) are the country code,
// following the ITU-T E.164 assignment: 1 and 7 are one digit; the listed two-digit codes; all
// others three digits.
func countryCodeLength(d string) int {
	if d == "" {
		return 0
	}
	if d[0] == '1' || d[0] == '7' {
		return 1
	}
	if len(d) < 2 {
		return len(d)
	}
	switch d[:2] {
	case "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
		"51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66",
		"81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98":
		return 2
	}
	return min(3, len(d))
}

// maskEmail keeps the first character of the local part and the domain: a***@example.com.
func maskEmail(value string) string {
	at := strings.LastIndexByte(value, '@')
	if at < 1 {
		return keepEnds(value, 1, 0)
	}
	first, _ := utf8.DecodeRuneInString(value)
	return string(first) + "***" + value[at:]
}

// AttributesByName maps a pool's attributes (as AttributeStore.List gives them) by name.
func AttributesByName(list []Attribute) map[string]Attribute {
	out := make(map[string]Attribute, len(list))
	for _, a := range list {
		out[a.Name] = a
	}
	return out
}

// MaskUser replaces u's values with their masked forms for an administrator's list: email and
// phone number by the pool's rules for them (their default masks when attrs lacks them), other
// attribute values by their attribute's rule. attrs maps the pool's attributes by name.
func MaskUser(u *User, attrs map[string]Attribute) {
	rule := func(name string, fallback MaskRule) Attribute {
		if a, ok := attrs[name]; ok {
			return a
		}
		return Attribute{Masking: Masking{Rule: fallback}}
	}
	emailAttr, phoneAttr := rule(AttrEmail, MaskEmail), rule(AttrPhoneNumber, MaskPhone)
	u.Email = Mask(&emailAttr, u.Email)
	u.PhoneNumber = Mask(&phoneAttr, u.PhoneNumber)
	for name, v := range u.Attributes {
		a, ok := attrs[name]
		if ok && a.Masking.Rule != MaskNone && a.Masking.Rule != "" {
			u.Attributes[name] = Mask(&a, ValueString(v))
		}
	}
}
