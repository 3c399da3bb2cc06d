#!/bin/sh
# Run once by the postgres image when it creates the database (docker-compose.yml, db):
# streaming replicas (db-replica) may connect for replication with a password. The image
# already lets every database be reached that way; replication is a separate keyword.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
