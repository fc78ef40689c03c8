// Package audit holds the audit log's use cases: listing a pool's log with the guide's filters,
// and the Recorder every other use case calls to write an event inside its own transaction.
package audit

import (
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the audit log queries.
type Service struct {
	Log   ports.AuditLog
	Pools ports.PoolStore
	Clock ports.Clock
}
