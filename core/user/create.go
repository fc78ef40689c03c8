package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// CreateRequest creates a user as an administrator. Nickname is a shortcut for the preset
// nickname attribute; Attributes holds values of other preset and custom attributes.
type CreateRequest struct {
	PoolID      string
	UserName    string
	Email       string
	Password    string
	PhoneNumber string
	Nickname    *string
	GroupIDs    []string
	Attributes  map[string]any
}

// Create checks and stores a new user. As the guide says, the user starts disabled and becomes
// enabled at its first login.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*domain.User, error) {
	var p problems
	userName, err := normalizeUserName(req.UserName)
	p.add(err)
	email, err := normalizeEmail(req.Email)
	p.add(err)
	phone, err := normalizePhone(req.PhoneNumber)
	p.add(err)
	p.add(checkPassword(req.Password))
	groups, err := checkGroupIDs(req.GroupIDs)
	p.add(err)
	values, fields := withNickname(&p, req.Attributes, req.Nickname)

	attrs, err := s.attributes(ctx, req.PoolID)
	if err != nil {
		return nil, err
	}
	set, _ := checkValues(&p, attrs, values, fields)
	if err := p.err(); err != nil {
		return nil, err
	}
	hash, err := s.Hasher.Hash(req.Password)
	if err != nil {
		return nil, domain.Internal("hash password", err)
	}
	now := s.Clock.Now()
	u := &domain.User{ID: s.IDs.NewID(), PoolID: req.PoolID, UserName: userName, Email: email, PhoneNumber: phone,
		PasswordHash: hash, Source: domain.SourceAdmin, Attributes: set, GroupIDs: groups, CreatedAt: now, UpdatedAt: now}
	u.RefreshStatus()
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.recheckValues(ctx, req.PoolID, values, fields); err != nil {
			return err
		}
		if err := s.Users.Create(ctx, u); err != nil {
			return err
		}
		return s.record(ctx, ActionCreate, "Created", nil, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
