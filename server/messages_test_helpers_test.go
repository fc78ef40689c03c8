package server_test

import (
	"context"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

func messageTo(poolID string) messaging.Message {
	return messaging.Message{PoolID: poolID, Channel: "sms", Usage: "login", To: "13612345678",
		Variables: map[string]string{"code": "123456", "ttl_minutes": "1"}}
}

// spendFreeSMSQuota sends through the platform's SMS connector until the pool's free quota,
// as its message settings report it, is used up.
func spendFreeSMSQuota(t *testing.T, s *servertest.Server, poolID string) {
	t.Helper()
	var settings struct {
		Quota map[string]struct {
			Remaining int `json:"remaining"`
		} `json:"quota"`
	}
	s.Do("GET", "/admin/v1/pools/"+poolID+"/message-settings", nil).Expect(200).Decode(&settings)
	for range settings.Quota["sms"].Remaining {
		if _, err := s.App.Messages().Send(context.Background(), messageTo(poolID)); err != nil {
			t.Fatal(err)
		}
	}
}
