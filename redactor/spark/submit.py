"""The file to hand to ``spark-submit``: it runs the ``redactor`` command line, e.g.

    SUBMIT=$(python -c 'import redactor.spark.submit as m; print(m.__file__)')
    spark-submit --master yarn "$SUBMIT" redact --engine spark /mnt/lake/drivers/ \\
        -o /mnt/exports/x/ --map dmv.yaml --purpose …

Under spark-submit the master, deploy mode and every ``--conf`` come from spark-submit.
"""

from redactor.cli import main

if __name__ == "__main__":
    main()
