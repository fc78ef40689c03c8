package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type groupRow struct {
	bun.BaseModel `bun:"table:user_groups,alias:g"`

	ID          string    `bun:"id,pk"`
	PoolID      string    `bun:"pool_id"`
	Name        string    `bun:"name"`
	Description string    `bun:"description"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
	// MemberCount is computed by the select (memberCountExpr), never written.
	MemberCount int `bun:"member_count,scanonly"`
}

// memberCountExpr counts a group's members through the membership primary key
// (group_id, user_id), so it stays an index range count however large the pool is.
const memberCountExpr = "(SELECT COUNT(*) FROM user_group_members AS m WHERE m.group_id = g.id) AS member_count"

func groupToRow(g *domain.Group) *groupRow {
	return &groupRow{ID: g.ID, PoolID: g.PoolID, Name: g.Name, Description: g.Description,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC()}
}

func (r *groupRow) domain() domain.Group {
	return domain.Group{ID: r.ID, PoolID: r.PoolID, Name: r.Name, Description: r.Description, MemberCount: r.MemberCount,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// GroupStore implements ports.GroupStore over user_groups.
type GroupStore struct{ db *DB }

var _ ports.GroupStore = (*GroupStore)(nil)

func (s *GroupStore) Create(ctx context.Context, g *domain.Group) error {
	_, err := s.db.idb(ctx).NewInsert().Model(groupToRow(g)).Exec(ctx)
	return mapErr(err, "group")
}

func (s *GroupStore) selectGroups(ctx context.Context, dest any) *bun.SelectQuery {
	return s.db.idb(ctx).NewSelect().Model(dest).ColumnExpr("g.*").ColumnExpr(memberCountExpr)
}

func (s *GroupStore) Get(ctx context.Context, poolID, id string) (*domain.Group, error) {
	var row groupRow
	if err := s.selectGroups(ctx, &row).Where("g.pool_id = ? AND g.id = ?", poolID, id).Scan(ctx); err != nil {
		return nil, mapErr(err, "group")
	}
	g := row.domain()
	return &g, nil
}

func (s *GroupStore) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Group], error) {
	var rows []groupRow
	q := s.selectGroups(ctx, &rows).Where("g.pool_id = ?", poolID).Order("g.created_at ASC", "g.id ASC")
	total, err := paginate(q, page).ScanAndCount(ctx)
	if err != nil {
		return domain.List[domain.Group]{}, mapErr(err, "group")
	}
	out := domain.List[domain.Group]{Items: make([]domain.Group, len(rows)), Total: int(total), Page: page}
	for i := range rows {
		out.Items[i] = rows[i].domain()
	}
	return out, nil
}

var groupEdit = rowEdit[groupRow, domain.Group]{
	what:   "group",
	decode: func(r *groupRow) (*domain.Group, error) { g := r.domain(); return &g, nil },
	// fn edits name, description and times only; identity and ownership stay the row's.
	keep: func(g *domain.Group, r *groupRow) {
		g.ID, g.PoolID, g.CreatedAt = r.ID, r.PoolID, r.CreatedAt.UTC()
	},
	encode: encoded(groupToRow),
}

func (s *GroupStore) Update(ctx context.Context, poolID, id string, fn func(*domain.Group) error) (*domain.Group, error) {
	var updated *domain.Group
	err := s.db.Run(ctx, func(ctx context.Context) error {
		g, err := groupEdit.apply(ctx, s.db, fn, "g.pool_id = ? AND g.id = ?", poolID, id)
		if err != nil {
			return err
		}
		n, err := s.db.idb(ctx).NewSelect().TableExpr("user_group_members").Where("group_id = ?", id).Count(ctx)
		g.MemberCount, updated = int(n), g
		return mapErr(err, "group")
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

func (s *GroupStore) Delete(ctx context.Context, poolID string, ids []string) error {
	ids = groupDistinct(ids)
	if len(ids) == 0 {
		return nil
	}
	return s.db.Run(ctx, func(ctx context.Context) error {
		// Memberships go with their group through the foreign key's ON DELETE CASCADE. Counting
		// the deleted rows, rather than checking first, keeps it to one statement; a short count
		// rolls the whole batch back.
		res, err := s.db.idb(ctx).NewDelete().Model((*groupRow)(nil)).
			Where("pool_id = ? AND id IN (?)", poolID, bun.In(ids)).Exec(ctx)
		if err != nil {
			return mapErr(err, "group")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return domain.Internal("delete groups: rows affected", err)
		}
		if int(n) != len(ids) {
			return domain.NotFound("group")
		}
		return nil
	})
}

type memberRow struct {
	bun.BaseModel `bun:"table:user_group_members"`

	GroupID   string    `bun:"group_id,pk"`
	UserID    string    `bun:"user_id,pk"`
	PoolID    string    `bun:"pool_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// memberUserRow is the slice of a user a member list shows.
type memberUserRow struct {
	ID          string  `bun:"id"`
	UserName    *string `bun:"user_name"`
	Email       *string `bun:"email"`
	PhoneNumber *string `bun:"phone_number"`
	Status      string  `bun:"status"`
}

// GroupMembersStore implements ports.GroupMembers over user_group_members.
type GroupMembersStore struct{ db *DB }

var _ ports.GroupMembers = (*GroupMembersStore)(nil)

// lockGroup checks that the group is in the pool and, on MySQL, locks its row until the
// transaction ends: concurrent member changes of one group queue on it instead of
// deadlocking on the membership index, and the group cannot vanish half-way.
func (s *GroupMembersStore) lockGroup(ctx context.Context, poolID, groupID string) error {
	q := s.db.idb(ctx).NewSelect().TableExpr("user_groups AS g").ColumnExpr("g.id").Where("g.pool_id = ? AND g.id = ?", poolID, groupID)
	var id string
	return mapErr(s.db.forUpdate(q).Scan(ctx, &id), "group")
}

func (s *GroupMembersStore) Add(ctx context.Context, poolID, groupID string, userIDs []string) error {
	ids := groupDistinct(userIDs)
	return s.db.Run(ctx, func(ctx context.Context) error {
		if err := s.lockGroup(ctx, poolID, groupID); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		// Every user must be in the pool; the answer names none of them, so a caller learns
		// nothing about other pools' ids.
		n, err := s.db.idb(ctx).NewSelect().TableExpr("users").
			Where("pool_id = ? AND id IN (?)", poolID, bun.In(ids)).Count(ctx)
		if err != nil {
			return mapErr(err, "user")
		}
		if int(n) != len(ids) {
			return domain.NotFound("user")
		}
		// The join time is bookkeeping the API never shows, so the store stamps it itself.
		now := time.Now().UTC()
		rows := make([]memberRow, len(ids))
		for i, id := range ids {
			rows[i] = memberRow{GroupID: groupID, UserID: id, PoolID: poolID, CreatedAt: now}
		}
		// Existing members are kept as they are: the "update" rewrites pool_id with the value
		// it already has, which is the portable way to say "do nothing" through db.upsert
		// (unlike INSERT IGNORE it does not swallow foreign key errors on MySQL).
		return mapErr(s.db.upsert(ctx, &rows, []string{"group_id", "user_id"}, []string{"pool_id"}), "user")
	})
}

func (s *GroupMembersStore) Remove(ctx context.Context, poolID, groupID string, userIDs []string) error {
	ids := groupDistinct(userIDs)
	return s.db.Run(ctx, func(ctx context.Context) error {
		if err := s.lockGroup(ctx, poolID, groupID); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		_, err := s.db.idb(ctx).NewDelete().Model((*memberRow)(nil)).
			Where("pool_id = ? AND group_id = ? AND user_id IN (?)", poolID, groupID, bun.In(ids)).Exec(ctx)
		return mapErr(err, "group member")
	})
}

func (s *GroupMembersStore) List(ctx context.Context, poolID, groupID string, page domain.Page) (domain.List[domain.User], error) {
	exists, err := s.db.idb(ctx).NewSelect().TableExpr("user_groups AS g").
		Where("g.pool_id = ? AND g.id = ?", poolID, groupID).Exists(ctx)
	if err != nil {
		return domain.List[domain.User]{}, mapErr(err, "group")
	}
	if !exists {
		return domain.List[domain.User]{}, domain.NotFound("group")
	}
	// The group was just found in the pool and group ids are global, so filtering memberships
	// by group_id alone stays inside the pool. They always join users of that pool (Add checks
	// it, deleting a user cascades), so the total is an index-only count over the membership
	// primary key; adding pool_id would cost a row lookup per member on SQLite.
	total, err := s.db.idb(ctx).NewSelect().TableExpr("user_group_members AS m").
		Where("m.group_id = ?", groupID).Count(ctx)
	if err != nil {
		return domain.List[domain.User]{}, mapErr(err, "group member")
	}
	// Deferred join: the page of user ids is cut from the membership primary key alone, so a
	// deep page skips index entries rather than joined user rows; only the page's users are
	// read. Ordered by user id (UUIDv7, so oldest user first).
	ids := s.db.idb(ctx).NewSelect().TableExpr("user_group_members AS m").ColumnExpr("m.user_id").
		Where("m.group_id = ?", groupID).OrderExpr("m.user_id ASC")
	var rows []memberUserRow
	err = s.db.idb(ctx).NewSelect().TableExpr("(?) AS p", paginate(ids, page)).
		Join("JOIN users AS u ON u.id = p.user_id AND u.pool_id = ?", poolID).
		ColumnExpr("u.id, u.user_name, u.email, u.phone_number, u.status").
		OrderExpr("p.user_id ASC").Scan(ctx, &rows)
	if err != nil {
		return domain.List[domain.User]{}, mapErr(err, "group member")
	}
	out := domain.List[domain.User]{Items: make([]domain.User, len(rows)), Total: int(total), Page: page}
	for i, r := range rows {
		out.Items[i] = domain.User{ID: r.ID, PoolID: poolID, UserName: deref(r.UserName), Email: deref(r.Email),
			PhoneNumber: deref(r.PhoneNumber), Status: domain.UserStatus(r.Status)}
	}
	return out, nil
}

// groupDistinct drops repeated ids, keeping order, so counts compare against unique ids.
func groupDistinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
