package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// ListMembers returns a page of a group's members, oldest user first, masked as the user list
// masks them.
func (s *Service) ListMembers(ctx context.Context, poolID, groupID string, page domain.Page) (domain.List[domain.User], error) {
	page, err := page.Normalize()
	if err != nil {
		return domain.List[domain.User]{}, err
	}
	list, err := s.Members.List(ctx, poolID, groupID, page)
	if err != nil {
		return list, err
	}
	attrs, err := s.Attributes.List(ctx, poolID)
	if err != nil {
		return list, err
	}
	byName := domain.AttributesByName(attrs)
	for i := range list.Items {
		domain.MaskUser(&list.Items[i], byName)
	}
	return list, nil
}
