package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID                string     `bun:"id,pk"`
	PoolID            string     `bun:"pool_id"`
	UserName          *string    `bun:"user_name"`
	Email             *string    `bun:"email"`
	PhoneNumber       *string    `bun:"phone_number"`
	PasswordHash      string     `bun:"password_hash"`
	Status            string     `bun:"status"`
	Source            string     `bun:"source"`
	AlreadyFirstLogin bool       `bun:"already_first_login"`
	ErrorCount        int        `bun:"error_count"`
	LockType          string     `bun:"lock_type"`
	LockTime          *time.Time `bun:"lock_time"`
	Frozen            bool       `bun:"frozen"`
	LastLoginAt       *time.Time `bun:"last_login_at"`
	CreatedAt         time.Time  `bun:"created_at"`
	UpdatedAt         time.Time  `bun:"updated_at"`
}

type userValueRow struct {
	bun.BaseModel `bun:"table:user_attribute_values"`

	UserID string `bun:"user_id,pk"`
	PoolID string `bun:"pool_id"`
	Name   string `bun:"name,pk"`
	Value  string `bun:"value"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func userToRow(u *domain.User) *userRow {
	return &userRow{ID: u.ID, PoolID: u.PoolID, UserName: nullString(u.UserName), Email: nullString(u.Email),
		PhoneNumber: nullString(u.PhoneNumber), PasswordHash: u.PasswordHash, Status: string(u.Status), Source: u.Source,
		AlreadyFirstLogin: u.AlreadyFirstLogin, ErrorCount: u.ErrorCount, LockType: string(u.LockType),
		LockTime: utcPtr(u.LockTime), Frozen: u.Frozen, LastLoginAt: utcPtr(u.LastLoginAt),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func (r *userRow) domain() domain.User {
	return domain.User{ID: r.ID, PoolID: r.PoolID, UserName: deref(r.UserName), Email: deref(r.Email),
		PhoneNumber: deref(r.PhoneNumber), PasswordHash: r.PasswordHash, Status: domain.UserStatus(r.Status), Source: r.Source,
		AlreadyFirstLogin: r.AlreadyFirstLogin, ErrorCount: r.ErrorCount, LockType: domain.LockType(r.LockType),
		LockTime: utcPtr(r.LockTime), Frozen: r.Frozen, LastLoginAt: utcPtr(r.LastLoginAt),
		Attributes: map[string]any{}, GroupIDs: []string{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// alone is the user as its users row alone tells it (FindRow's answer): no attribute values,
// and group ids nil since they were not read.
func (r *userRow) alone() *domain.User {
	u := r.domain()
	u.GroupIDs = nil
	return &u
}

// UserStore implements ports.UserStore. Attribute values are stored as JSON text, one row per
// (user, attribute); group memberships in user_group_members.
type UserStore struct {
	db *DB
}

func newUserStore(db *DB) *UserStore { return &UserStore{db: db} }

var _ ports.UserStore = (*UserStore)(nil)

func (s *UserStore) Create(ctx context.Context, u *domain.User) error {
	return s.db.Run(ctx, func(ctx context.Context) error {
		if _, err := s.db.idb(ctx).NewInsert().Model(userToRow(u)).Exec(ctx); err != nil {
			return mapErr(err, "user")
		}
		if err := s.insertValues(ctx, u, u.Attributes); err != nil {
			return err
		}
		return s.addGroups(ctx, u, u.GroupIDs)
	})
}

func (s *UserStore) Get(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.getWhere(ctx, "u.pool_id = ? AND u.id = ?", poolID, id)
}

// userKeyColumns whitelists the columns FindBy may look up; each has a unique index with pool_id.
var userKeyColumns = map[ports.UserKey]string{
	ports.ByID:       "u.id",
	ports.ByUserName: "u.user_name",
	ports.ByEmail:    "u.email",
	ports.ByPhone:    "u.phone_number",
}

// keyColumn is the column holding the users' key, whose value is value; no user has an empty
// key.
func keyColumn(key ports.UserKey, value string) (string, error) {
	col, ok := userKeyColumns[key]
	if !ok {
		return "", domain.Internal("find user", errUnknownKey(key))
	}
	if value == "" {
		return "", domain.NotFound("user")
	}
	return col, nil
}

func (s *UserStore) FindBy(ctx context.Context, poolID string, key ports.UserKey, value string) (*domain.User, error) {
	col, err := keyColumn(key, value)
	if err != nil {
		return nil, err
	}
	return s.getWhere(ctx, "u.pool_id = ? AND "+col+" = ?", poolID, value)
}

func (s *UserStore) FindRow(ctx context.Context, poolID string, key ports.UserKey, value string) (*domain.User, error) {
	col, err := keyColumn(key, value)
	if err != nil {
		return nil, err
	}
	var row userRow
	if err := s.db.lookup(ctx, s.db.reader(ctx).NewSelect().Model(&row).Where("u.pool_id = ?", poolID), col, value); err != nil {
		return nil, mapErr(err, "user")
	}
	return row.alone(), nil
}

type errUnknownKey ports.UserKey

func (e errUnknownKey) Error() string { return "unknown user key " + string(e) }

// userWithDetail is one row of oneUserQuery: the user's columns and one attribute value
// (kind 'v') or one group membership (kind 'g'); a user without values has one 'v' row of NULLs.
type userWithDetail struct {
	userRow `bun:",extend"`

	DetailKind string         `bun:"detail_kind"`
	DetailKey  sql.NullString `bun:"detail_key"`
	DetailVal  sql.NullString `bun:"detail_value"`
	DetailAt   looseTime      `bun:"detail_at"`
}

// looseTime scans a timestamp that a UNION hands over typed (MySQL) or as text (SQLite).
type looseTime struct{ time.Time }

var looseTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano}

func (l *looseTime) Scan(v any) error {
	var text string
	switch x := v.(type) {
	case nil:
		l.Time = time.Time{}
		return nil
	case time.Time:
		l.Time = x
		return nil
	case string:
		text = x
	case []byte:
		text = string(x)
	default:
		return fmt.Errorf("timestamp: cannot scan %T", v)
	}
	for _, layout := range looseTimeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			l.Time = t
			return nil
		}
	}
	return fmt.Errorf("timestamp: cannot parse %q", text)
}

// oneUserQuery reads a user with its attribute values and group ids in one round trip, which
// matters on the sign-in path; %[1]s is the condition selecting the user. Memberships are put
// in order here rather than by an ORDER BY, which would cost MySQL a temporary table and a
// sort for every sign-in (several times the rest of the query).
const oneUserQuery = `SELECT u.*, 'v' AS detail_kind, av.name AS detail_key, av.value AS detail_value, NULL AS detail_at
	FROM users AS u LEFT JOIN user_attribute_values AS av ON av.user_id = u.id WHERE %[1]s
UNION ALL
SELECT u.*, 'g', gm.group_id, NULL, gm.created_at
	FROM users AS u JOIN user_group_members AS gm ON gm.user_id = u.id WHERE %[1]s`

func (s *UserStore) getWhere(ctx context.Context, where string, args ...any) (*domain.User, error) {
	var rows []userWithDetail
	if err := s.db.idb(ctx).NewRaw(fmt.Sprintf(oneUserQuery, where), append(args, args...)...).Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "user")
	}
	if len(rows) == 0 {
		return nil, domain.NotFound("user")
	}
	u := rows[0].domain()
	var groups []userWithDetail
	for _, r := range rows {
		switch {
		case !r.DetailKey.Valid:
		case r.DetailKind == "g":
			groups = append(groups, r)
		default:
			var val any
			if err := json.Unmarshal([]byte(r.DetailVal.String), &val); err != nil {
				return nil, domain.Internal("user attribute value "+r.DetailKey.String, err)
			}
			u.Attributes[r.DetailKey.String] = val
		}
	}
	slices.SortFunc(groups, func(a, b userWithDetail) int {
		return cmp.Or(a.DetailAt.Compare(b.DetailAt.Time), strings.Compare(a.DetailKey.String, b.DetailKey.String))
	})
	for _, g := range groups {
		u.GroupIDs = append(u.GroupIDs, g.DetailKey.String)
	}
	return &u, nil
}

// detailsQuery reads a set of users' attribute values and group ids in one round trip: the
// values branch has kind 'v' (name, JSON value), the memberships branch kind 'g' (group id).
// Memberships come in the order they were made.
const detailsQuery = `SELECT user_id, 'v' AS kind, name AS k, value AS v, NULL AS created_at
	FROM user_attribute_values WHERE user_id IN (?)
UNION ALL
SELECT user_id, 'g' AS kind, group_id AS k, '' AS v, created_at
	FROM user_group_members WHERE user_id IN (?)
ORDER BY kind, created_at, k`

// loadDetails fills the attribute values and group ids of users.
func (s *UserStore) loadDetails(ctx context.Context, users []domain.User) (err error) {
	if len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	byID := make(map[string]*domain.User, len(users))
	for i := range users {
		ids[i] = users[i].ID
		byID[users[i].ID] = &users[i]
	}
	rows, err := s.db.idb(ctx).QueryContext(ctx, detailsQuery, bun.In(ids), bun.In(ids))
	if err != nil {
		return mapErr(err, "user")
	}
	defer func() {
		if cerr := rows.Close(); err == nil && cerr != nil {
			err = mapErr(cerr, "user")
		}
	}()
	for rows.Next() {
		var userID, kind, k, v string
		var createdAt any
		if err := rows.Scan(&userID, &kind, &k, &v, &createdAt); err != nil {
			return mapErr(err, "user")
		}
		u := byID[userID]
		if kind == "g" {
			u.GroupIDs = append(u.GroupIDs, k)
			continue
		}
		var val any
		if err := json.Unmarshal([]byte(v), &val); err != nil {
			return domain.Internal("user attribute value "+k, err)
		}
		u.Attributes[k] = val
	}
	return mapErr(rows.Err(), "user")
}

func (s *UserStore) List(ctx context.Context, poolID string, q ports.UserQuery) (domain.List[domain.User], error) {
	var rows []userRow
	sel := s.db.idb(ctx).NewSelect().Model(&rows).Where("u.pool_id = ?", poolID)
	if q.Search != "" {
		sel = sel.WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
			for _, prefix := range searchPrefixes(q.Search) {
				like := likePrefix(prefix)
				g = g.WhereOr("u.user_name LIKE ? ESCAPE ?", like, `\`).
					WhereOr("u.email LIKE ? ESCAPE ?", like, `\`).
					WhereOr("u.phone_number LIKE ? ESCAPE ?", like, `\`)
			}
			return g
		})
	}
	if q.Status != "" {
		sel = sel.Where("u.status = ?", string(q.Status))
	}
	if q.GroupID != "" {
		sel = sel.Where("EXISTS (SELECT 1 FROM user_group_members AS m WHERE m.user_id = u.id AND m.group_id = ? AND m.pool_id = ?)", q.GroupID, poolID)
	}
	total, err := paginate(sel.Order("u.created_at DESC", "u.id DESC"), q.Page).ScanAndCount(ctx)
	if err != nil {
		return domain.List[domain.User]{}, mapErr(err, "user")
	}
	out := domain.List[domain.User]{Items: make([]domain.User, len(rows)), Total: int(total), Page: q.Page}
	for i := range rows {
		out.Items[i] = rows[i].domain()
	}
	if err := s.loadDetails(ctx, out.Items); err != nil {
		return domain.List[domain.User]{}, err
	}
	return out, nil
}

// searchPrefixes is what a search matches the start of: the text lowercased (usernames and
// emails are stored lowercased) and, for digits, the phone number with + or +86 in front so a
// mainland number can be found as typed.
func searchPrefixes(search string) []string {
	s := strings.ToLower(strings.TrimSpace(search))
	out := []string{s}
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		out = append(out, "+"+s, "+86"+s)
	}
	return out
}

func (s *UserStore) Update(ctx context.Context, poolID, id string, fn func(*domain.User) error) (*domain.User, error) {
	var updated domain.User
	err := s.db.Run(ctx, func(ctx context.Context) error {
		var row userRow
		q := s.db.idb(ctx).NewSelect().Model(&row).Where("u.pool_id = ? AND u.id = ?", poolID, id)
		if err := s.db.forUpdate(q).Scan(ctx); err != nil {
			return mapErr(err, "user")
		}
		users := []domain.User{row.domain()}
		if err := s.loadDetails(ctx, users); err != nil {
			return err
		}
		before := users[0]
		updated = before
		updated.Attributes = maps.Clone(before.Attributes)
		updated.GroupIDs = slices.Clone(before.GroupIDs)
		if err := fn(&updated); err != nil {
			return err
		}
		// As rowEdit does for the other stores: identity, origin and creation time are the row's.
		updated.ID, updated.PoolID, updated.Source, updated.CreatedAt = before.ID, before.PoolID, before.Source, before.CreatedAt
		if updated.Attributes == nil {
			updated.Attributes = map[string]any{}
		}
		if _, err := s.db.idb(ctx).NewUpdate().Model(userToRow(&updated)).WherePK().Exec(ctx); err != nil {
			return mapErr(err, "user")
		}
		if err := s.rewriteValues(ctx, &before, &updated); err != nil {
			return err
		}
		return s.rewriteGroups(ctx, &before, &updated)
	})
	if err != nil {
		return nil, err
	}
	return &updated, nil
}

// rewriteValues deletes the values that were removed or changed and inserts the changed ones.
func (s *UserStore) rewriteValues(ctx context.Context, before, after *domain.User) error {
	var stale []string
	changed := map[string]any{}
	for name, old := range before.Attributes {
		nv, ok := after.Attributes[name]
		if !ok || !sameJSON(old, nv) {
			stale = append(stale, name)
		}
	}
	for name, nv := range after.Attributes {
		if old, ok := before.Attributes[name]; !ok || !sameJSON(old, nv) {
			changed[name] = nv
		}
	}
	if len(stale) > 0 {
		if _, err := s.db.idb(ctx).NewDelete().Model((*userValueRow)(nil)).
			Where("user_id = ? AND name IN (?)", after.ID, bun.In(stale)).Exec(ctx); err != nil {
			return mapErr(err, "user")
		}
	}
	return s.insertValues(ctx, after, changed)
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func (s *UserStore) insertValues(ctx context.Context, u *domain.User, values map[string]any) error {
	if len(values) == 0 {
		return nil
	}
	rows := make([]userValueRow, 0, len(values))
	for _, name := range slices.Sorted(maps.Keys(values)) {
		b, err := storedJSON(values[name])
		if err != nil {
			return domain.Internal("user attribute value "+name, err)
		}
		rows = append(rows, userValueRow{UserID: u.ID, PoolID: u.PoolID, Name: name, Value: string(b)})
	}
	_, err := s.db.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return mapErr(err, "user")
}

// rewriteGroups removes the memberships that went away and adds the new ones.
func (s *UserStore) rewriteGroups(ctx context.Context, before, after *domain.User) error {
	var removed, added []string
	for _, g := range before.GroupIDs {
		if !slices.Contains(after.GroupIDs, g) {
			removed = append(removed, g)
		}
	}
	for _, g := range after.GroupIDs {
		if !slices.Contains(before.GroupIDs, g) && !slices.Contains(added, g) {
			added = append(added, g)
		}
	}
	if len(removed) > 0 {
		if _, err := s.db.idb(ctx).NewDelete().Model((*memberRow)(nil)).
			Where("user_id = ? AND group_id IN (?)", after.ID, bun.In(removed)).Exec(ctx); err != nil {
			return mapErr(err, "user")
		}
	}
	return s.addGroups(ctx, after, added)
}

// addGroups makes u a member of groupIDs. Every group must belong to u's pool; otherwise the
// answer is invalid on group_ids naming the first unknown id.
func (s *UserStore) addGroups(ctx context.Context, u *domain.User, groupIDs []string) error {
	if len(groupIDs) == 0 {
		return nil
	}
	ids := slices.Compact(slices.Sorted(slices.Values(groupIDs)))
	var found []string
	if err := s.db.idb(ctx).NewSelect().TableExpr("user_groups").Column("id").
		Where("pool_id = ? AND id IN (?)", u.PoolID, bun.In(ids)).Scan(ctx, &found); err != nil {
		return mapErr(err, "user group")
	}
	for _, id := range groupIDs {
		if !slices.Contains(found, id) {
			return domain.InvalidField("group_ids", "group "+id+" is not a group of this pool")
		}
	}
	rows := make([]memberRow, len(ids))
	for i, g := range ids {
		rows[i] = memberRow{GroupID: g, UserID: u.ID, PoolID: u.PoolID, CreatedAt: u.UpdatedAt.UTC()}
	}
	_, err := s.db.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return mapErr(err, "user group")
}

func (s *UserStore) Delete(ctx context.Context, poolID string, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return nil
	}
	// One statement inside a transaction: when it removes fewer rows than asked, some id was
	// not in the pool and the transaction rolls back, so nothing is deleted. Values and
	// memberships go with their users through ON DELETE CASCADE.
	return s.db.Run(ctx, func(ctx context.Context) error {
		res, err := s.db.idb(ctx).NewDelete().TableExpr("users").
			Where("pool_id = ? AND id IN (?)", poolID, bun.In(ids)).Exec(ctx)
		if err != nil {
			return mapErr(err, "user")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return domain.Internal("rows affected", err)
		}
		if int(n) != len(ids) {
			return domain.NotFound("user")
		}
		return nil
	})
}
