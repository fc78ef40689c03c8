package domain

import (
	"slices"
	"time"
)

// AppType is the closed set of application types of the guide.
type AppType string

const (
	AppWeb               AppType = "web"
	AppSPA               AppType = "spa"
	AppMobile            AppType = "mobile"
	AppWeChatMiniProgram AppType = "wechat_miniprogram"
	AppM2M               AppType = "m2m"
)

// AppTypes lists every application type, in the guide's order.
var AppTypes = []AppType{AppWeb, AppSPA, AppMobile, AppWeChatMiniProgram, AppM2M}

// Valid reports whether t is a known type.
func (t AppType) Valid() bool {
	for _, k := range AppTypes {
		if k == t {
			return true
		}
	}
	return false
}

// Confidential reports whether applications of this type hold a client secret: web
// applications (server side) and machine-to-machine clients. The others run on devices the
// user controls and are public clients.
func (t AppType) Confidential() bool { return t == AppWeb || t == AppM2M }

// SigningAlg is the JWS algorithm of an application's tokens.
type SigningAlg string

const (
	SignRS256 SigningAlg = "RS256"
	SignES256 SigningAlg = "ES256"
	SignEdDSA SigningAlg = "EdDSA"
)

// Limits and defaults of the parameter configuration.
const (
	MaxAppNameLength        = 128
	MaxAppIndustryLength    = 128
	MaxDescriptionLength    = 512
	MaxRedirectURIs         = 20
	MaxRedirectURILength    = 2048
	MaxCORSOrigins          = 10
	MaxConsentStatements    = 4
	MaxConsentTextLength    = 512
	DefaultAccessTokenTTL   = 600
	MinAccessTokenTTL       = 60
	MaxAccessTokenTTL       = 86_400
	DefaultRefreshTokenTTL  = 86_400
	MinRefreshTokenTTL      = 60
	MaxRefreshTokenTTL      = 31_536_000
	MaxClaims               = 64
	MaxGeneralAttributes    = 32
	MaxAssociatedAuthSource = 10
)

// Registration identifiers: the attribute a user registers with.
const (
	IdentPhoneNumber = "phone_number"
	IdentEmail       = "email"
	IdentUserName    = "user_name"
)

// Recovery methods of the username-retrieval and password-reset processes.
const (
	RecoveryEmail = "email"
	RecoverySMS   = "sms"
)

// ConsentStatement is one statement shown on the registration or login page. Text may hold
// Markdown links [text](https://…).
type ConsentStatement struct {
	Text     string `json:"text"`
	Required bool   `json:"required"`
}

// The json tags of the process types below fix the shape stored in the applications table and
// shown by the API; renaming one needs a data migration.

// RegistrationProcess configures self-registration.
type RegistrationProcess struct {
	Enabled           bool               `json:"enabled"`
	Identifier        string             `json:"identifier"`
	SMSOTPSourceID    string             `json:"sms_otp_source_id,omitempty"`
	EmailOTPSourceID  string             `json:"email_otp_source_id,omitempty"`
	GeneralAttributes []string           `json:"general_attributes"`
	GroupID           string             `json:"group_id,omitempty"`
	AutoLogin         bool               `json:"auto_login"`
	ConsentStatements []ConsentStatement `json:"consent_statements"`
}

// LoginProcess configures login: the preferred source shown first and the alternatives.
type LoginProcess struct {
	Enabled             bool               `json:"enabled"`
	PreferredSourceID   string             `json:"preferred_source_id,omitempty"`
	AssociatedSourceIDs []string           `json:"associated_source_ids"`
	RememberPassword    bool               `json:"remember_password"`
	ConsentStatements   []ConsentStatement `json:"consent_statements"`
}

// MFAProcess configures a second factor through an SMS or email OTP source.
type MFAProcess struct {
	Enabled  bool   `json:"enabled"`
	SourceID string `json:"source_id,omitempty"`
}

// RecoveryProcess configures username retrieval or password reset.
type RecoveryProcess struct {
	Enabled bool   `json:"enabled"`
	Method  string `json:"method"`
}

// Process is an application's process configuration, the guide's five modules.
type Process struct {
	Registration     RegistrationProcess `json:"registration"`
	Login            LoginProcess        `json:"login"`
	MFA              MFAProcess          `json:"mfa"`
	RetrieveUsername RecoveryProcess     `json:"retrieve_username"`
	ResetPassword    RecoveryProcess     `json:"reset_password"`
}

// DefaultProcess is the process configuration of a new application, with the guide's defaults:
// registration, login, username retrieval and password reset on, MFA off.
func DefaultProcess() Process {
	return Process{
		Registration:     RegistrationProcess{Enabled: true, Identifier: IdentUserName, GeneralAttributes: []string{}, ConsentStatements: []ConsentStatement{}},
		Login:            LoginProcess{Enabled: true, AssociatedSourceIDs: []string{}, ConsentStatements: []ConsentStatement{}},
		RetrieveUsername: RecoveryProcess{Enabled: true, Method: RecoveryEmail},
		ResetPassword:    RecoveryProcess{Enabled: true, Method: RecoveryEmail},
	}
}

// SourceIDs lists every authentication source the process refers to.
func (p *Process) SourceIDs() []string {
	var ids []string
	add := func(id string) {
		if id != "" {
			ids = append(ids, id)
		}
	}
	add(p.Registration.SMSOTPSourceID)
	add(p.Registration.EmailOTPSourceID)
	add(p.Login.PreferredSourceID)
	for _, id := range p.Login.AssociatedSourceIDs {
		add(id)
	}
	add(p.MFA.SourceID)
	return ids
}

// Application is a client of a pool: an OAuth 2.0 / OIDC relying party with its process
// configuration. SecretHash is a keyed hash of the client secret ("" for public clients).
type Application struct {
	ID                  string
	PoolID              string
	Type                AppType
	Name                string
	IconImageID         string
	Industry            string
	Description         string
	ClientID            string
	SecretHash          string
	Enabled             bool
	RedirectURIs        []string
	LogoutRedirectURIs  []string
	AccessTokenTTL      int
	RefreshTokenEnabled bool
	RefreshTokenTTL     int
	SigningAlg          SigningAlg
	Claims              []string
	Process             Process
	CORSOrigins         []string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// HasSecret reports whether the application holds a client secret.
func (a *Application) HasSecret() bool { return a.SecretHash != "" }

// RefersTo reports how the application's process refers to an authentication source.
func (a *Application) RefersTo(sourceID string) (preferred, other bool) {
	p := &a.Process
	if p.Login.PreferredSourceID == sourceID {
		preferred = true
	}
	for _, id := range p.Login.AssociatedSourceIDs {
		if id == sourceID {
			other = true
		}
	}
	if p.Registration.SMSOTPSourceID == sourceID || p.Registration.EmailOTPSourceID == sourceID || p.MFA.SourceID == sourceID {
		other = true
	}
	return preferred, other
}

// AttributeUse tells where an application names an attribute.
type AttributeUse struct {
	Claim   bool // among its token claims
	General bool // among its registration's general attributes
}

// Any reports whether the application names the attribute at all.
func (u AttributeUse) Any() bool { return u.Claim || u.General }

// UsesAttribute tells where the application names the attribute called name.
func (a *Application) UsesAttribute(name string) AttributeUse {
	return AttributeUse{Claim: slices.Contains(a.Claims, name),
		General: slices.Contains(a.Process.Registration.GeneralAttributes, name)}
}

// RenameAttribute makes the application's references to attribute old name attribute renamed
// instead, keeping their places. Where renamed is listed already, old is dropped rather than
// doubled.
func (a *Application) RenameAttribute(old, renamed string) {
	rename := func(names []string) []string {
		i := slices.Index(names, old)
		if i < 0 {
			return names
		}
		out := slices.Clone(names)
		if slices.Contains(out, renamed) {
			return slices.Delete(out, i, i+1)
		}
		out[i] = renamed
		return out
	}
	a.Claims = rename(a.Claims)
	a.Process.Registration.GeneralAttributes = rename(a.Process.Registration.GeneralAttributes)
}
