package server_test

import "github.com/gatehouse-iam/gatehouse/core/messaging"

func messageTo(poolID string) messaging.Message {
	return messaging.Message{PoolID: poolID, Channel: "sms", Usage: "login", To: "13612345678",
		Variables: map[string]string{"code": "123456", "ttl_minutes": "1"}}
}
