package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// ListMembers returns a page of a group's members, oldest user first.
func (s *Service) ListMembers(ctx context.Context, poolID, groupID string, page domain.Page) (domain.List[domain.User], error) {
	page, err := page.Normalize()
	if err != nil {
		return domain.List[domain.User]{}, err
	}
	return s.Members.List(ctx, poolID, groupID, page)
}
