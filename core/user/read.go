package user

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Get returns one user with raw (unmasked) values.
func (s *Service) Get(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.Users.Get(ctx, poolID, id)
}

// ListRequest filters a pool's users. Search matches the start of the username, email or
// phone number.
type ListRequest struct {
	PoolID  string
	Search  string
	Status  string
	GroupID string
	Page    domain.Page
}

var statuses = []domain.UserStatus{domain.UserDisabled, domain.UserEnabled, domain.UserLocked, domain.UserFrozen}

// List returns a page of users, newest first, with values masked: email and phone by the
// built-in rules, other attributes by their own masking rule.
func (s *Service) List(ctx context.Context, req ListRequest) (domain.List[domain.User], error) {
	var p problems
	page, err := req.Page.Normalize()
	p.add(err)
	if req.Status != "" && !slices.Contains(statuses, domain.UserStatus(req.Status)) {
		p.field("status", "must be one of: disabled, enabled, locked, frozen")
	}
	search := strings.TrimSpace(req.Search)
	if utf8.RuneCountInString(search) > MaxSearchLength {
		p.field("search", "must be at most 254 characters")
	}
	if err := p.err(); err != nil {
		return domain.List[domain.User]{}, err
	}
	attrs, err := s.attributes(ctx, req.PoolID)
	if err != nil {
		return domain.List[domain.User]{}, err
	}
	list, err := s.Users.List(ctx, req.PoolID, ports.UserQuery{Search: search, Status: domain.UserStatus(req.Status),
		GroupID: req.GroupID, Page: page})
	if err != nil {
		return list, err
	}
	for i := range list.Items {
		domain.MaskUser(&list.Items[i], attrs)
	}
	return list, nil
}
