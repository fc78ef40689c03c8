module github.com/gatehouse-iam/gatehouse

go 1.26
