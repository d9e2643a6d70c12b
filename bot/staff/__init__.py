"""Staff: coordinators and roles, their command menus, statistics, exports and sheets."""
