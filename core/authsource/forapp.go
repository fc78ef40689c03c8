package authsource

import (
	"context"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Use is the role in which an application wants to use a source.
type Use int

const (
	// UseLogin: the source must be the application's preferred or an associated login source.
	UseLogin Use = iota
	// UseRegistration: the source must be the registration SMS or email OTP source.
	UseRegistration
	// UseMFA: the source must be the MFA source.
	UseMFA
)

// GetForApplication returns the source an application may use in the given role: it must be
// enabled, in the application's pool, and configured for that role in the application's
// process. Otherwise the answer is invalid_auth_source, whatever the reason, so a client
// learns nothing about other sources.
func (s *Service) GetForApplication(ctx context.Context, app *domain.Application, sourceID string, use Use) (*domain.AuthSource, error) {
	notAssociated := domain.Invalid("invalid_auth_source", "Auth source and application not associated",
		domain.FieldError{Field: "auth_source_id", Reason: "is not an enabled source of this application"})
	p := &app.Process
	var ok bool
	switch use {
	case UseLogin:
		ok = p.Login.Enabled && (p.Login.PreferredSourceID == sourceID || slices.Contains(p.Login.AssociatedSourceIDs, sourceID))
	case UseRegistration:
		ok = p.Registration.Enabled && (p.Registration.SMSOTPSourceID == sourceID || p.Registration.EmailOTPSourceID == sourceID)
	case UseMFA:
		ok = p.MFA.Enabled && p.MFA.SourceID == sourceID
	}
	if !ok || sourceID == "" {
		return nil, notAssociated
	}
	src, err := s.Sources.Get(ctx, app.PoolID, sourceID)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, notAssociated
	}
	if err != nil {
		return nil, err
	}
	if !src.Enabled {
		return nil, notAssociated
	}
	return src, nil
}
