package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UpdateRequest edits a user; nil fields stay as they are. An empty PhoneNumber or Nickname
// removes it; in Attributes a nil or "" value removes that value. The password is not editable
// here (see ResetPassword).
type UpdateRequest struct {
	PoolID      string
	ID          string
	UserName    *string
	Email       *string
	PhoneNumber *string
	Nickname    *string
	GroupIDs    *[]string
	Attributes  map[string]any
}

// Update edits a user's built-in fields, attribute values and groups in one transaction.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*domain.User, error) {
	var p problems
	var userName, email, phone string
	var err error
	if req.UserName != nil {
		userName, err = normalizeUserName(*req.UserName)
		p.add(err)
	}
	if req.Email != nil {
		email, err = normalizeEmail(*req.Email)
		p.add(err)
	}
	if req.PhoneNumber != nil {
		phone, err = normalizePhone(*req.PhoneNumber)
		p.add(err)
	}
	var groups []string
	if req.GroupIDs != nil {
		groups, err = checkGroupIDs(*req.GroupIDs)
		p.add(err)
	}
	values, fields := withNickname(&p, req.Attributes, req.Nickname)
	attrs, err := s.attributes(ctx, req.PoolID)
	if err != nil {
		return nil, err
	}
	set, remove := checkValues(&p, attrs, values, fields)
	if err := p.err(); err != nil {
		return nil, err
	}
	var updated, before *domain.User
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.recheckValues(ctx, req.PoolID, values, fields); err != nil {
			return err
		}
		updated, err = s.Users.Update(ctx, req.PoolID, req.ID, func(u *domain.User) error {
			before = snapshot(u)
			if req.UserName != nil {
				u.UserName = userName
			}
			if req.Email != nil {
				u.Email = email
			}
			if req.PhoneNumber != nil {
				u.PhoneNumber = phone
			}
			if req.GroupIDs != nil {
				u.GroupIDs = groups
			}
			for name, v := range set {
				u.Attributes[name] = v
			}
			for _, name := range remove {
				delete(u.Attributes, name)
			}
			u.UpdatedAt = s.Clock.Now()
			return nil
		})
		if err != nil {
			return err
		}
		return s.record(ctx, ActionUpdate, "Edited", before, updated)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}
