package domain

import "time"

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
