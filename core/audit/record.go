package audit

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Recorder writes audit events. Call it with the ctx of the use case's Tx.Run closure: the
// event then commits or rolls back with the change, and a failed write fails the change.
type Recorder struct {
	Log   ports.AuditLog
	Clock ports.Clock
	IDs   ports.IDs
}

// Record completes e (id, time, and the actor, IP and user agent of the request in ctx unless
// set) and stores it. Sign-in flows call it with their own type and result.
func (r Recorder) Record(ctx context.Context, e domain.AuditEvent) error {
	if err := r.Complete(ctx, &e); err != nil {
		return err
	}
	return r.Log.Record(ctx, &e)
}

// batchLog is implemented by audit logs that insert many events in one statement.
type batchLog interface {
	RecordBatch(ctx context.Context, events []domain.AuditEvent) error
}

// RecordAll records events as Record does, in one statement when the log can: a group commit
// (see session's refresh rotations) writes its callers' events together. events is completed in
// place.
func (r Recorder) RecordAll(ctx context.Context, events []domain.AuditEvent) error {
	bl, ok := r.Log.(batchLog)
	if !ok || len(events) < 2 {
		for _, e := range events {
			if err := r.Record(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range events {
		if err := r.Complete(ctx, &events[i]); err != nil {
			return err
		}
	}
	return bl.RecordBatch(ctx, events)
}

// Complete fills in what Record completes, for an event a store writes with the change it
// records (see ports.LoginCommit).
func (r Recorder) Complete(ctx context.Context, e *domain.AuditEvent) error {
	info := domain.RequestInfoFrom(ctx)
	if e.ID == "" {
		e.ID = r.IDs.NewID()
	}
	if e.Time.IsZero() {
		e.Time = r.Clock.Now()
	}
	if e.Actor == "" {
		e.Actor = info.Actor
	}
	if e.IP == "" {
		e.IP = info.IP
	}
	if e.UserAgent == "" {
		e.UserAgent = info.UserAgent
	}
	return e.Normalize()
}

// AdminChange records a successful administrative change of one object. before and after are
// the object's state (nil for a create's before and a delete's after), turned into JSON
// objects with domain.AuditSnapshot, which removes secrets.
func (r Recorder) AdminChange(ctx context.Context, poolID, action, objectType, objectID, details string, before, after any) error {
	b, err := domain.AuditSnapshot(before)
	if err != nil {
		return err
	}
	a, err := domain.AuditSnapshot(after)
	if err != nil {
		return err
	}
	return r.Record(ctx, domain.AuditEvent{PoolID: poolID, Type: domain.AuditAdminChange, Action: action,
		Result: domain.AuditSuccess, ObjectType: objectType, ObjectID: objectID, Details: details, Before: b, After: a})
}
