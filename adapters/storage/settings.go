package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/ports"
)

type settingRow struct {
	bun.BaseModel `bun:"table:server_settings"`

	Name      string    `bun:"name,pk"`
	Value     string    `bun:"value"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// SettingStore implements ports.SettingStore.
type SettingStore struct{ db *DB }

var _ ports.SettingStore = (*SettingStore)(nil)

func (s *SettingStore) Get(ctx context.Context, name string) (string, error) {
	var row settingRow
	err := s.db.idb(ctx).NewSelect().Model(&row).Where("name = ?", name).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", mapErr(err, "setting")
	}
	return row.Value, nil
}

func (s *SettingStore) Put(ctx context.Context, name, value string) error {
	row := &settingRow{Name: name, Value: value, UpdatedAt: time.Now().UTC()}
	return mapErr(s.db.upsert(ctx, row, []string{"name"}, []string{"value", "updated_at"}), "setting")
}
