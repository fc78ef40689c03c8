package application

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
)

// Settings are the configurable fields of an application. A nil field keeps the stored value
// on update and takes the default on create. A process module that is given replaces the
// whole module; its omitted fields take their defaults.
type Settings struct {
	Name        *string
	Industry    *string
	Description *string
	// Icon is a PNG or JPEG (≤ 1 MiB); an empty slice removes the icon.
	Icon    *[]byte
	Enabled *bool

	RedirectURIs        *[]string
	LogoutRedirectURIs  *[]string
	AccessTokenTTL      *int
	RefreshTokenEnabled *bool
	RefreshTokenTTL     *int
	SigningAlg          *string
	Claims              *[]string

	Registration     *RegistrationInput
	Login            *LoginInput
	MFA              *MFAInput
	RetrieveUsername *RecoveryInput
	ResetPassword    *RecoveryInput

	CORSOrigins *[]string
}

// RegistrationInput is the registration module. Enabled defaults to true, Identifier to
// user_name.
type RegistrationInput struct {
	Enabled           *bool
	Identifier        string
	SMSOTPSourceID    string
	EmailOTPSourceID  string
	GeneralAttributes []string
	GroupID           string
	AutoLogin         bool
	ConsentStatements []domain.ConsentStatement
}

// LoginInput is the login module. Enabled defaults to true.
type LoginInput struct {
	Enabled             *bool
	PreferredSourceID   string
	AssociatedSourceIDs []string
	RememberPassword    bool
	ConsentStatements   []domain.ConsentStatement
}

// MFAInput is the MFA module. Enabled defaults to false.
type MFAInput struct {
	Enabled  *bool
	SourceID string
}

// RecoveryInput is the username-retrieval or password-reset module. Enabled defaults to true,
// Method to email.
type RecoveryInput struct {
	Enabled *bool
	Method  string
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// apply checks s and writes it onto app. Checks that need the stores (attributes, groups,
// authentication sources of the pool) run here too, so call it inside the transaction that
// holds the pool lock. It returns every problem found at once.
func (s *Service) apply(ctx context.Context, app *domain.Application, in Settings) error {
	var p domain.Problems
	text := func(field string, v *string, required bool, limit int, dst *string) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		switch {
		case required && t == "":
			p.Add(field, "is required")
		case utf8.RuneCountInString(t) > limit:
			p.Add(field, fmt.Sprintf("must be at most %d characters", limit))
		default:
			*dst = t
		}
	}
	text("name", in.Name, true, domain.MaxAppNameLength, &app.Name)
	text("industry", in.Industry, false, domain.MaxAppIndustryLength, &app.Industry)
	text("description", in.Description, false, domain.MaxDescriptionLength, &app.Description)
	if in.Enabled != nil {
		app.Enabled = *in.Enabled
	}

	uris := func(field string, v *[]string, dst *[]string) {
		if v == nil {
			return
		}
		if len(*v) > domain.MaxRedirectURIs {
			p.Add(field, fmt.Sprintf("must have at most %d items", domain.MaxRedirectURIs))
			return
		}
		seen := map[string]bool{}
		for i, u := range *v {
			if reason := domain.ValidateRedirectURI(u); reason != "" {
				p.Add(fmt.Sprintf("%s[%d]", field, i), reason)
			} else if seen[u] {
				p.Add(fmt.Sprintf("%s[%d]", field, i), "is a duplicate")
			}
			seen[u] = true
		}
		*dst = slices.Clone(*v)
	}
	uris("redirect_uris", in.RedirectURIs, &app.RedirectURIs)
	uris("logout_redirect_uris", in.LogoutRedirectURIs, &app.LogoutRedirectURIs)

	if in.AccessTokenTTL != nil {
		if v := *in.AccessTokenTTL; v < domain.MinAccessTokenTTL || v > domain.MaxAccessTokenTTL {
			p.Add("access_token_ttl_seconds", "must be between 60 and 86400")
		} else {
			app.AccessTokenTTL = v
		}
	}
	if in.RefreshTokenEnabled != nil {
		app.RefreshTokenEnabled = *in.RefreshTokenEnabled
	}
	if in.RefreshTokenTTL != nil {
		if v := *in.RefreshTokenTTL; v < domain.MinRefreshTokenTTL || v > domain.MaxRefreshTokenTTL {
			p.Add("refresh_token_ttl_seconds", "must be between 60 and 31536000")
		} else {
			app.RefreshTokenTTL = v
		}
	}
	if in.SigningAlg != nil {
		switch alg := domain.SigningAlg(*in.SigningAlg); alg {
		case domain.SignRS256, domain.SignES256, domain.SignEdDSA:
			app.SigningAlg = alg
		default:
			p.Add("signing_alg", "must be one of: RS256 ES256 EdDSA")
		}
	}

	if in.CORSOrigins != nil {
		if len(*in.CORSOrigins) > domain.MaxCORSOrigins {
			p.Add("cors_origins", fmt.Sprintf("must have at most %d items", domain.MaxCORSOrigins))
		} else {
			out := make([]string, 0, len(*in.CORSOrigins))
			for i, o := range *in.CORSOrigins {
				norm, reason := domain.NormalizeCORSOrigin(o)
				switch {
				case reason != "":
					p.Add(fmt.Sprintf("cors_origins[%d]", i), reason)
				case slices.Contains(out, norm):
					p.Add(fmt.Sprintf("cors_origins[%d]", i), "is a duplicate")
				default:
					out = append(out, norm)
				}
			}
			app.CORSOrigins = out
		}
	}

	refs := &refChecker{s: s, ctx: ctx, poolID: app.PoolID, p: &p}
	if in.Claims != nil {
		app.Claims = refs.attributes("claims", *in.Claims, domain.MaxClaims, false)
	}
	if in.Registration != nil {
		app.Process.Registration = refs.registration(*in.Registration)
	}
	if in.Login != nil {
		app.Process.Login = refs.login(*in.Login)
	}
	if in.MFA != nil {
		app.Process.MFA = refs.mfa(*in.MFA)
	}
	if in.RetrieveUsername != nil {
		app.Process.RetrieveUsername = recovery(&p, "process.retrieve_username", *in.RetrieveUsername)
	}
	if in.ResetPassword != nil {
		app.Process.ResetPassword = recovery(&p, "process.reset_password", *in.ResetPassword)
	}
	if refs.err != nil {
		return refs.err
	}
	return p.Err()
}

func recovery(p *domain.Problems, field string, in RecoveryInput) domain.RecoveryProcess {
	out := domain.RecoveryProcess{Enabled: boolOr(in.Enabled, true), Method: in.Method}
	if out.Method == "" {
		out.Method = domain.RecoveryEmail
	}
	if out.Method != domain.RecoveryEmail && out.Method != domain.RecoverySMS {
		p.Add(field+".method", "must be one of: email sms")
	}
	return out
}

func consents(p *domain.Problems, field string, in []domain.ConsentStatement) []domain.ConsentStatement {
	if len(in) > domain.MaxConsentStatements {
		p.Add(field, fmt.Sprintf("must have at most %d items", domain.MaxConsentStatements))
		return nil
	}
	out := make([]domain.ConsentStatement, len(in))
	for i, c := range in {
		if reason := domain.ValidateConsentText(c.Text); reason != "" {
			p.Add(fmt.Sprintf("%s[%d].text", field, i), reason)
		}
		out[i] = domain.ConsentStatement{Text: strings.TrimSpace(c.Text), Required: c.Required}
	}
	return out
}

// refChecker checks references to other objects of the pool, loading each kind once. A store
// failure other than not found is kept in err and ends the request as it is.
type refChecker struct {
	s      *Service
	ctx    context.Context
	poolID string
	p      *domain.Problems
	err    error
	attrs  map[string]domain.Attribute
}

func (r *refChecker) attributes(field string, names []string, limit int, general bool) []string {
	if len(names) > limit {
		r.p.Add(field, fmt.Sprintf("must have at most %d items", limit))
		return nil
	}
	if r.attrs == nil && len(names) > 0 && r.err == nil {
		list, err := r.s.Attributes.List(r.ctx, r.poolID)
		if err != nil {
			r.err = err
			return nil
		}
		r.attrs = domain.AttributesByName(list)
	}
	out := make([]string, 0, len(names))
	for i, n := range names {
		f := fmt.Sprintf("%s[%d]", field, i)
		a, ok := r.attrs[n]
		switch {
		case r.err != nil:
		case !ok:
			r.p.Add(f, "is not an attribute of the pool")
		case n == domain.AttrPassword:
			r.p.Add(f, "cannot be used here")
		case !general && token.ReservedClaims[n]:
			r.p.Add(f, "is a registered claim that the server sets itself")
		case general && a.Source == domain.AttributeBuiltin:
			r.p.Add(f, "is a built-in attribute; general attributes are preset or custom ones")
		case slices.Contains(out, n):
			r.p.Add(f, "is a duplicate")
		default:
			out = append(out, n)
		}
	}
	return out
}

// source checks that id names a source of the pool of one of the types; when mustBeEnabled it
// must be enabled too.
func (r *refChecker) source(field, id string, mustBeEnabled bool, types ...domain.AuthSourceType) {
	if r.err != nil {
		return
	}
	src, err := r.s.Sources.Get(r.ctx, r.poolID, id)
	if domain.KindOf(err) == domain.KindNotFound {
		r.p.Add(field, "is not an authentication source of this pool")
		return
	}
	if err != nil {
		r.err = err
		return
	}
	if !slices.Contains(types, src.Type) {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = string(t)
		}
		r.p.Add(field, "must be a source of type "+strings.Join(names, " or "))
		return
	}
	if mustBeEnabled && !src.Enabled {
		r.p.Add(field, "is disabled; enable the source first")
	}
}

func (r *refChecker) registration(in RegistrationInput) domain.RegistrationProcess {
	const f = "process.registration"
	out := domain.RegistrationProcess{Enabled: boolOr(in.Enabled, true), Identifier: in.Identifier,
		SMSOTPSourceID: in.SMSOTPSourceID, EmailOTPSourceID: in.EmailOTPSourceID, GroupID: in.GroupID, AutoLogin: in.AutoLogin}
	if out.Identifier == "" {
		out.Identifier = domain.IdentUserName
	}
	switch out.Identifier {
	case domain.IdentPhoneNumber:
		if out.SMSOTPSourceID == "" {
			r.p.Add(f+".sms_otp_source_id", "is required when the identifier is phone_number")
		}
	case domain.IdentEmail:
		if out.EmailOTPSourceID == "" {
			r.p.Add(f+".email_otp_source_id", "is required when the identifier is email")
		}
	case domain.IdentUserName:
	default:
		r.p.Add(f+".identifier", "must be one of: phone_number email user_name")
	}
	if out.SMSOTPSourceID != "" {
		r.source(f+".sms_otp_source_id", out.SMSOTPSourceID, false, domain.SourceSMSOTP)
	}
	if out.EmailOTPSourceID != "" {
		r.source(f+".email_otp_source_id", out.EmailOTPSourceID, false, domain.SourceEmailOTP)
	}
	out.GeneralAttributes = r.attributes(f+".general_attributes", in.GeneralAttributes, domain.MaxGeneralAttributes, true)
	if out.GroupID != "" && r.err == nil {
		_, err := r.s.Groups.Get(r.ctx, r.poolID, out.GroupID)
		switch {
		case domain.KindOf(err) == domain.KindNotFound:
			r.p.Add(f+".group_id", "is not a group of this pool")
		case err != nil:
			r.err = err
		}
	}
	out.ConsentStatements = consents(r.p, f+".consent_statements", in.ConsentStatements)
	return out
}

func (r *refChecker) login(in LoginInput) domain.LoginProcess {
	const f = "process.login"
	out := domain.LoginProcess{Enabled: boolOr(in.Enabled, true), PreferredSourceID: in.PreferredSourceID,
		AssociatedSourceIDs: []string{}, RememberPassword: in.RememberPassword}
	all := []domain.AuthSourceType{domain.SourceUsernamePassword, domain.SourceSMSOTP, domain.SourceEmailOTP}
	switch {
	case out.PreferredSourceID != "":
		// The preferred source must be enabled: the guide forbids disabling it while it is
		// preferred, so it may not become preferred while disabled either.
		r.source(f+".preferred_source_id", out.PreferredSourceID, true, all...)
	case out.Enabled:
		r.p.Add(f+".preferred_source_id", "is required when login is enabled")
	}
	if len(in.AssociatedSourceIDs) > domain.MaxAssociatedAuthSource {
		r.p.Add(f+".associated_source_ids", fmt.Sprintf("must have at most %d items", domain.MaxAssociatedAuthSource))
	} else {
		for i, id := range in.AssociatedSourceIDs {
			field := fmt.Sprintf("%s.associated_source_ids[%d]", f, i)
			switch {
			case id == "":
				r.p.Add(field, "must not be empty")
			case id == out.PreferredSourceID:
				r.p.Add(field, "must not repeat the preferred source")
			case slices.Contains(out.AssociatedSourceIDs, id):
				r.p.Add(field, "is a duplicate")
			default:
				r.source(field, id, false, all...)
				out.AssociatedSourceIDs = append(out.AssociatedSourceIDs, id)
			}
		}
	}
	out.ConsentStatements = consents(r.p, f+".consent_statements", in.ConsentStatements)
	return out
}

func (r *refChecker) mfa(in MFAInput) domain.MFAProcess {
	const f = "process.mfa"
	out := domain.MFAProcess{Enabled: boolOr(in.Enabled, false), SourceID: in.SourceID}
	switch {
	case out.SourceID != "":
		r.source(f+".source_id", out.SourceID, false, domain.SourceSMSOTP, domain.SourceEmailOTP)
	case out.Enabled:
		r.p.Add(f+".source_id", "is required when MFA is enabled")
	}
	return out
}
