"""SQLite storage: connection, migrations, repositories, FSM storage."""
