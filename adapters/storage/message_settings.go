package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type messageSettingsRow struct {
	bun.BaseModel `bun:"table:message_settings"`

	PoolID           string    `bun:"pool_id,pk"`
	SMSConnectorID   *string   `bun:"sms_connector_id"`
	EmailConnectorID *string   `bun:"email_connector_id"`
	SMSTemplates     string    `bun:"sms_templates"`
	EmailTemplates   string    `bun:"email_templates"`
	UpdatedAt        time.Time `bun:"updated_at"`
}

// MessageSettingsStore implements ports.MessageSettingsStore.
type MessageSettingsStore struct{ db *DB }

var _ ports.MessageSettingsStore = (*MessageSettingsStore)(nil)

// Get returns the pool's settings; a pool without a row has empty ones.
func (s *MessageSettingsStore) Get(ctx context.Context, poolID string) (*domain.MessageSettings, error) {
	var row messageSettingsRow
	err := s.db.idb(ctx).NewSelect().Model(&row).Where("pool_id = ?", poolID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return &domain.MessageSettings{PoolID: poolID}, nil
	}
	if err != nil {
		return nil, mapErr(err, "message settings")
	}
	ms := &domain.MessageSettings{PoolID: row.PoolID, SMSConnectorID: deref(row.SMSConnectorID),
		EmailConnectorID: deref(row.EmailConnectorID), UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(row.SMSTemplates), &ms.SMSTemplates); err != nil {
		return nil, domain.Internal("decode sms templates", err)
	}
	if err := json.Unmarshal([]byte(row.EmailTemplates), &ms.EmailTemplates); err != nil {
		return nil, domain.Internal("decode email templates", err)
	}
	return ms, nil
}

func (s *MessageSettingsStore) Put(ctx context.Context, ms *domain.MessageSettings) error {
	sms, _ := storedJSON(orEmptySlice(ms.SMSTemplates))
	email, _ := storedJSON(orEmptySlice(ms.EmailTemplates))
	row := &messageSettingsRow{PoolID: ms.PoolID, SMSConnectorID: nullString(ms.SMSConnectorID), EmailConnectorID: nullString(ms.EmailConnectorID),
		SMSTemplates: string(sms), EmailTemplates: string(email), UpdatedAt: ms.UpdatedAt.UTC()}
	return mapErr(s.db.upsert(ctx, row, []string{"pool_id"},
		[]string{"sms_connector_id", "email_connector_id", "sms_templates", "email_templates", "updated_at"}), "pool")
}

type quotaRow struct {
	bun.BaseModel `bun:"table:message_quota_usage"`

	PoolID  string `bun:"pool_id,pk"`
	Channel string `bun:"channel,pk"`
	Used    int    `bun:"used"`
}

// QuotaCounter implements ports.QuotaCounter with one conditional UPDATE, which the database
// serializes per row: concurrent consumers on any number of instances never overshoot.
type QuotaCounter struct{ db *DB }

var _ ports.QuotaCounter = (*QuotaCounter)(nil)

func (q *QuotaCounter) Consume(ctx context.Context, poolID, channel string, limit int) (bool, error) {
	if err := q.db.insertIgnore(ctx, &quotaRow{PoolID: poolID, Channel: channel}); err != nil {
		return false, mapErr(err, "pool")
	}
	res, err := q.db.idb(ctx).NewUpdate().Model((*quotaRow)(nil)).Set("used = used + 1").
		Where("pool_id = ? AND channel = ? AND used < ?", poolID, channel, limit).Exec(ctx)
	if err != nil {
		return false, mapErr(err, "quota")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, domain.Internal("quota rows affected", err)
	}
	return n == 1, nil
}

func (q *QuotaCounter) Refund(ctx context.Context, poolID, channel string) error {
	_, err := q.db.idb(ctx).NewUpdate().Model((*quotaRow)(nil)).Set("used = used - 1").
		Where("pool_id = ? AND channel = ? AND used > 0", poolID, channel).Exec(ctx)
	return mapErr(err, "quota")
}

func (q *QuotaCounter) Used(ctx context.Context, poolID string) (map[string]int, error) {
	var rows []quotaRow
	if err := q.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID).Scan(ctx); err != nil {
		return nil, mapErr(err, "quota")
	}
	used := map[string]int{}
	for _, r := range rows {
		used[r.Channel] = r.Used
	}
	return used, nil
}
