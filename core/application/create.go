package application

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// CreateRequest creates an application of Type in pool PoolID. Name is required; every other
// setting is optional and takes its default.
type CreateRequest struct {
	PoolID string
	Type   string
	Settings
}

// Created is a new application with its client secret in clear, shown this once ("" for
// public clients).
type Created struct {
	App          *domain.Application
	ClientSecret string
}

// Create stores a new, enabled (unless Enabled says otherwise) application with a random
// client ID and, for web and m2m applications, a random client secret of which only a keyed
// hash is kept.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*Created, error) {
	t := domain.AppType(req.Type)
	if !t.Valid() {
		return nil, domain.InvalidField("type", "must be one of: web spa mobile wechat_miniprogram m2m")
	}
	if req.Name == nil {
		return nil, domain.InvalidField("name", "is required")
	}
	var iconType string
	if req.Icon != nil && len(*req.Icon) > 0 {
		var err error
		if iconType, err = domain.SniffImage("icon", *req.Icon); err != nil {
			return nil, err
		}
	}
	clientID, err := newClientID()
	if err != nil {
		return nil, err
	}
	var secret string
	now := s.Clock.Now()
	app := &domain.Application{ID: s.IDs.NewID(), PoolID: req.PoolID, Type: t, ClientID: clientID, Enabled: true,
		RedirectURIs: []string{}, LogoutRedirectURIs: []string{}, AccessTokenTTL: domain.DefaultAccessTokenTTL,
		RefreshTokenTTL: domain.DefaultRefreshTokenTTL, SigningAlg: domain.SignRS256, Claims: []string{},
		Process: domain.DefaultProcess(), CORSOrigins: []string{}, CreatedAt: now, UpdatedAt: now}
	if t.Confidential() {
		if secret, err = newClientSecret(); err != nil {
			return nil, err
		}
		app.SecretHash = s.Secrets.Hash(secret)
	}
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, req.PoolID); err != nil {
			return err
		}
		if err := s.apply(ctx, app, req.Settings); err != nil {
			return err
		}
		if iconType != "" {
			var err error
			if app.IconImageID, err = s.images().Put(ctx, req.PoolID, iconType, *req.Icon, now); err != nil {
				return err
			}
		}
		if err := s.Apps.Create(ctx, app); err != nil {
			return err
		}
		return s.record(ctx, ActionCreate, "Created", nil, viewOf(app), app.PoolID)
	})
	if err != nil {
		return nil, err
	}
	return &Created{App: app, ClientSecret: secret}, nil
}
