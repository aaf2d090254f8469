from tests.modules import data
from tests.modules.examples import Example

EXAMPLES = {
    "data_transformation.apply_sql_transformation": Example(
        inputs=lambda: {"t1": data.penguins(), "t2": data.iris()},
        params={
            "sql_query_script": "select species, avg(body_mass_g) as mass, count(*) as n, "
            "(select count(*) from t2) as iris_rows from t1 group by species order by species"
        },
    ),
}
