package system_test

import (
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/system"
)

// The clock answers at the precision both databases keep, in UTC: services store its times
// as they are.
func TestClockIsUTCMicroseconds(t *testing.T) {
	for range 100 {
		now := system.Clock{}.Now()
		if now.Location() != time.UTC || now.Nanosecond()%1000 != 0 {
			t.Fatalf("%v (%d ns): want UTC whole microseconds", now, now.Nanosecond())
		}
	}
}
