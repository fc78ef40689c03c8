// Package group holds the use cases of a pool's user groups: create, get, list, edit and delete
// groups, and add, remove and list their members. Every use case is scoped to one pool: a group
// or user of another pool is not found.
package group

import (
	"cmp"
	"context"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the group use cases.
type Service struct {
	Groups  ports.GroupStore
	Members ports.GroupMembers
	Pools   ports.PoolStore
	// Attributes give the masking rules of member lists.
	Attributes ports.AttributeStore
	// Apps and Locker guard deletes: a group an application's registration assigns stays.
	Apps   ports.ApplicationStore
	Locker ports.PoolLocker
	Tx     ports.Tx
	Clock  ports.Clock
	IDs    ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
}

// Audited actions. A batch delete records one group.delete row per group; a membership change
// records one row naming the group and every user id of the request.
const (
	ActionCreate        = "group.create"
	ActionUpdate        = "group.update"
	ActionDelete        = "group.delete"
	ActionMembersAdd    = "group.members_add"
	ActionMembersRemove = "group.members_remove"
)

// auditView is what the audit log keeps of a group.
type auditView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// record writes one admin change of group g; before or after is nil for a create or delete.
func (s *Service) record(ctx context.Context, action, verb string, before, after *domain.Group) error {
	g := cmp.Or(after, before)
	return s.Audit.AdminChange(ctx, g.PoolID, action, "group", g.ID, verb+" group "+g.Name, viewOf(before), viewOf(after))
}

func viewOf(g *domain.Group) *auditView {
	if g == nil {
		return nil
	}
	return &auditView{ID: g.ID, Name: g.Name, Description: g.Description}
}
