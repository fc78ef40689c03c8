package authsource

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Get returns one source of the pool; another pool's source is not found.
func (s *Service) Get(ctx context.Context, poolID, id string) (*domain.AuthSource, error) {
	return s.Sources.Get(ctx, poolID, id)
}

// List returns a page of the pool's sources, oldest first, optionally of one type.
func (s *Service) List(ctx context.Context, poolID string, q ports.AuthSourceQuery) (domain.List[domain.AuthSource], error) {
	page, err := q.Page.Normalize()
	if err != nil {
		return domain.List[domain.AuthSource]{}, err
	}
	q.Page = page
	if q.Type != "" && !q.Type.Valid() {
		return domain.List[domain.AuthSource]{}, domain.InvalidField("type", "must be one of: username_password sms_otp email_otp")
	}
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return domain.List[domain.AuthSource]{}, err
	}
	return s.Sources.List(ctx, poolID, q)
}

// Icon returns a source's icon; images of other pools are not found.
func (s *Service) Icon(ctx context.Context, poolID, id string) (*domain.Image, error) {
	src, err := s.Sources.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if src.IconImageID == "" {
		return nil, domain.NotFound("icon")
	}
	return s.Images.Get(ctx, src.IconImageID)
}

// usage lists the pool's applications that use source id: as the preferred login source, or
// in any other role (associated login source, registration OTP source, MFA source).
func (s *Service) usage(ctx context.Context, poolID, id string) (preferred, other []domain.AppRef, err error) {
	apps, err := s.Apps.All(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	for i := range apps {
		p, o := apps[i].RefersTo(id)
		ref := domain.AppRef{ID: apps[i].ID, Name: apps[i].Name}
		if p {
			preferred = append(preferred, ref)
		}
		if o {
			other = append(other, ref)
		}
	}
	return preferred, other, nil
}

// inUse is the conflict for a source that is some application's preferred login source.
func inUse(action string, apps []domain.AppRef) error {
	details := make([]domain.FieldError, len(apps))
	names := ""
	for i, a := range apps {
		details[i] = domain.FieldError{Field: "applications[" + a.ID + "]", Reason: "uses this source as its preferred login source: " + a.Name}
		if i > 0 {
			names += ", "
		}
		names += a.Name
	}
	return domain.Conflict("auth_source_in_use",
		"The source is the preferred login source of: "+names+". Choose another preferred source in their login process before you "+action+" it.",
		details...)
}
