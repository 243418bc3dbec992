"""Personnel registry (人员管理): the people of a tenant, their titles and statuses by year, imports."""
