package authsource

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// CreateRequest creates a source of Type in pool PoolID. Name is required; Enabled defaults to
// true (a created source is ready for applications to use).
type CreateRequest struct {
	PoolID  string
	Type    string
	Enabled *bool
	Settings
}

// Create stores a new source with its icon in one transaction.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*domain.AuthSource, error) {
	t := domain.AuthSourceType(req.Type)
	if !t.Valid() {
		return nil, domain.InvalidField("type", "must be one of: username_password sms_otp email_otp")
	}
	if req.Name == nil {
		return nil, domain.InvalidField("name", "is required")
	}
	now := s.Clock.Now()
	src := &domain.AuthSource{ID: s.IDs.NewID(), PoolID: req.PoolID, Type: t, Attribute: defaultAttribute(t),
		Enabled: req.Enabled == nil || *req.Enabled, Policy: DefaultPolicy(t), CreatedAt: now, UpdatedAt: now}
	if err := apply(src, req.Settings); err != nil {
		return nil, err
	}
	var iconType string
	if req.Icon != nil && len(*req.Icon) > 0 {
		var err error
		if iconType, err = domain.SniffImage("icon", *req.Icon); err != nil {
			return nil, err
		}
	}
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, req.PoolID); err != nil {
			return err
		}
		if iconType != "" {
			var err error
			if src.IconImageID, err = s.images().Put(ctx, req.PoolID, iconType, *req.Icon, now); err != nil {
				return err
			}
		}
		if err := s.checkCodeLength(ctx, src); err != nil {
			return err
		}
		if err := s.Sources.Create(ctx, src); err != nil {
			return err
		}
		return s.record(ctx, ActionCreate, "Created", nil, viewOf(src), src.PoolID)
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}
