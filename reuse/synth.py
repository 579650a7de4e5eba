"""Synthetic corpora with known, planted reuse: the ground truth the scanner is measured against.

Real corpora tell us what reuse looks like but not where all of it is, so recall and span
tightness can only be measured on text where we put the reuse ourselves. This module

1. writes officialese (Party-building bulletins, work reports, speeches) from a combinatorial
   grammar whose slots are large enough that unrelated documents share no passage of 20+
   characters (short formulas such as 走深走实 do recur, as they do in real text), and a repair
   pass removes the rare accidental repeat so the only long shared text is what we planted;
2. plants transformed copies of passages (exact, edited, traditional, renumbered, reordered,
   clause dropped, punctuation width, multi-document families) at sentence boundaries and
   records their spans in the final texts' offsets;
3. writes the corpus with the messiness of real input (GB18030, UTF-8 with BOM, CRLF,
   whole documents in traditional characters, a site footer shared by many files), keeping
   every recorded offset valid for the file as decoded.

Command line: ``python -m reuse.synth OUT_DIR --docs N [--chars 3000] [--plants K] [--seed S]
[--base DIR]``; the ground truth goes next to OUT_DIR as ``OUT_DIR.truth.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from reuse.model import Span

ALL_KINDS: tuple[str, ...] = (
    "exact",
    "edit",
    "traditional",
    "numbers",
    "reorder",
    "drop",
    "punct",
    "family",
)
FOOTER_KIND = "footer"
# Kinds whose members are all copies of one another: every pair of members is a planted pair.
FAMILY_KINDS = frozenset({"family", FOOTER_KIND})
TRUTH_FORMAT = "reuse-synth-truth/1"


# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Plant:
    """One planted reuse case.

    ``source`` is where the passage was taken from (untouched original text), ``targets``
    where its transformed copies were inserted; all spans are in the final texts' offsets.
    ``passage`` and ``inserted`` keep the texts themselves so a reader of the truth file (or a
    test) can check the spans without re-running the transformation.
    """

    kind: str
    source: Span
    targets: list[Span]
    passage: str = ""
    inserted: list[str] = field(default_factory=list)

    @property
    def members(self) -> list[Span]:
        return [self.source, *self.targets]

    def pairs(self) -> list[tuple[Span, Span]]:
        """The planted pairs: source-target, plus target-target for families."""
        members = self.members
        if self.kind in FAMILY_KINDS:
            return [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        return [(self.source, t) for t in self.targets]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source.to_json(),
            "targets": [t.to_json() for t in self.targets],
            "passage": self.passage,
            "inserted": list(self.inserted),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Plant:
        def span(d: Mapping[str, Any]) -> Span:
            return Span(str(d["doc"]), int(d["start"]), int(d["end"]))

        return cls(
            kind=str(obj["kind"]),
            source=span(obj["source"]),
            targets=[span(t) for t in obj["targets"]],
            passage=str(obj.get("passage", "")),
            inserted=[str(s) for s in obj.get("inserted", [])],
        )


def truth_path(out_dir: Path) -> Path:
    """Where the ground truth of a corpus lives: beside the folder, so a scan never reads it."""
    out_dir = Path(out_dir)
    return out_dir.parent / f"{out_dir.name}.truth.json"


def save_truth(path: Path, plants: Sequence[Plant], meta: Mapping[str, Any] | None = None) -> None:
    payload = {"format": TRUTH_FORMAT, **(meta or {}), "plants": [p.to_json() for p in plants]}
    Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def load_truth(path: Path | str) -> list[Plant]:
    obj = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Plant.from_json(p) for p in obj["plants"]]


# --------------------------------------------------------------------------------------------
# Vocabulary. Slots are large and combine freely, so long exact repeats between unrelated
# documents are rare; fixed strings are kept under about ten characters.
# --------------------------------------------------------------------------------------------

PLACE_CHARS = (
    "青溪安平宁远东西南北阳山河湖江海林泉石桥城关丰和兴隆盛昌华新永福寿康泰嘉瑞祥云龙凤鹤"
    "松柏桂兰梅竹清明秀水源田园沙洲滨湾峰岭岗坪塘坝湘汉淮渭汾洛沂沭泗浦浔澄涧溧潼滦涿定固"
    "靖绥怀仁德义信忠文武开元建正通达广博成金玉宝鼎盘营屯集堡陵台阜岩崇乐吉庆鸣凰翠黛碧"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯史陶黎贺"
)
GIVEN_CHARS = (
    "建国军伟华明强磊勇杰涛斌超波辉刚平红英芳丽敏静燕霞玲娟艳萍秀兰桂琴志宏海东文俊峰鹏飞"
    "宇浩然晓雪梅春秋冬林森晨阳光荣卫民庆祥福德胜利新忠诚毅坚立群永亮爱慧颖婷洁瑶晗琳"
)
COUNTY_BODIES = (
    "委",
    "委组织部",
    "委宣传部",
    "纪委监委",
    "委政法委",
    "委统战部",
    "人民政府",
    "人大常委会",
    "政协",
    "直机关工委",
    "委编办",
    "委党校",
    "委社会工作部",
    "发展改革委",
    "财政局",
    "民政局",
    "人社局",
    "自然资源局",
    "住建局",
    "农业农村局",
    "卫健委",
    "应急管理局",
    "市场监管局",
    "教育局",
    "交通运输局",
    "水利局",
    "商务局",
    "文旅局",
    "退役军人事务局",
    "信访局",
    "医保局",
    "城管局",
    "数据资源局",
    "审计局",
    "统计局",
    "司法局",
    "公安局",
    "税务局",
    "林业局",
    "科技局",
)
TOWN_KINDS = ("镇", "乡", "街道", "镇", "开发区")
TOWN_BODIES = ("党委", "党工委", "人民政府", "办事处", "纪委", "便民服务中心", "党群服务中心")
VILLAGE_KINDS = ("村", "社区", "村", "社区", "村")
VILLAGE_BODIES = ("党支部", "党总支", "党委", "“两委”", "居委会", "网格党小组", "党群服务站")
GENERIC_ORGS = (
    "各级党组织",
    "全体党员干部",
    "各乡镇（街道）",
    "广大党员",
    "各级领导干部",
    "基层党组织书记",
    "驻村第一书记",
    "机关党员",
    "各部门各单位",
    "各级纪检监察机关",
    "{lv}直各单位",
    "各基层党支部",
    "党员领导干部",
    "各级组织部门",
    "全体机关干部",
    "各村（社区）",
    "新任职干部",
    "年轻干部",
    "窗口单位",
    "各级宣传部门",
    "国有企业",
    "非公企业党组织",
)
LEADER_TITLES = (
    "委书记",
    "{lv}长",
    "委副书记",
    "委常委、组织部部长",
    "纪委书记、监委主任",
    "委常委、宣传部部长",
    "委常委、常务副{lv}长",
    "人大常委会主任",
    "政协主席",
    "副{lv}长",
    "委常委、政法委书记",
)
DOMAINS = (
    "基层党建",
    "党员教育管理",
    "干部队伍建设",
    "人才工作",
    "意识形态",
    "党风廉政建设",
    "作风建设",
    "纪律建设",
    "乡村振兴",
    "营商环境",
    "安全生产",
    "生态环境保护",
    "河湖长制",
    "社会治理",
    "网格化管理",
    "民生保障",
    "就业创业",
    "教育事业",
    "医疗卫生",
    "养老服务",
    "城市更新",
    "招商引资",
    "项目建设",
    "产业发展",
    "科技创新",
    "数字政府",
    "政务服务",
    "信访工作",
    "平安建设",
    "法治建设",
    "国企党建",
    "机关党建",
    "非公党建",
    "社会组织党建",
    "集体经济",
    "文明实践",
    "志愿服务",
    "统战工作",
    "宣传思想",
    "精神文明建设",
    "耕地保护",
    "防汛救灾",
    "森林防火",
    "粮食安全",
    "人居环境整治",
    "食品安全",
    "市场监管",
    "金融风险防范",
    "国资监管",
    "审计监督",
    "巡察整改",
    "基层减负",
    "档案管理",
    "保密工作",
    "老干部工作",
    "群团工作",
    "青年工作",
    "民族团结",
    "退役军人服务",
    "住房保障",
    "交通运输",
    "水利建设",
    "文化旅游",
    "全民健身",
    "对口支援",
    "东西部协作",
    "园区建设",
    "县域经济",
    "民营经济",
    "外贸外资",
    "消费提振",
    "文旅融合",
    "数字经济",
    "新型工业化",
    "农业现代化",
    "城乡融合",
    "社区治理",
    "物业管理",
    "矛盾纠纷化解",
    "隐患排查",
    "燃气安全",
    "清廉机关建设",
    "模范机关创建",
    "理论武装",
    "调查研究",
    "干部监督",
    "年轻干部培养",
    "组织振兴",
    "产业振兴",
    "人才振兴",
    "村级组织建设",
    "党员先锋岗创建",
    "便民服务",
    "职业教育",
)
ASPECTS = (
    "工作机制",
    "责任体系",
    "制度体系",
    "长效机制",
    "考核评价",
    "督查检查",
    "专项行动",
    "攻坚行动",
    "提质增效行动",
    "三年行动计划",
    "示范创建",
    "标准化建设",
    "规范化建设",
    "品牌建设",
    "阵地建设",
    "队伍建设",
    "能力提升",
    "服务体系",
    "监管体系",
    "风险防控",
    "问题整改",
    "短板弱项",
    "重点任务",
    "工作格局",
    "协调联动机制",
    "保障措施",
    "资金投入",
    "政策落实",
    "信息化平台",
    "数据共享",
    "基础台账",
    "示范点位",
    "试点工作",
    "经验做法",
    "体制机制改革",
    "综合治理",
    "常态化监督",
    "联席会议制度",
    "包联责任制",
    "清单管理",
    "闭环管理",
    "激励机制",
    "容错纠错机制",
    "培训体系",
    "实践基地",
    "调研成果转化",
    "宣传引导",
    "典型选树",
    "示范带动",
    "考核结果运用",
    "任务清单",
    "责任清单",
    "工作台账",
    "督导评估",
    "分类指导",
    "整改销号",
    "质量提升",
    "基础保障",
    "人才支撑",
    "要素保障",
)
VERBS = (
    "健全",
    "完善",
    "深化",
    "推进",
    "落实",
    "压实",
    "强化",
    "加强",
    "优化",
    "提升",
    "夯实",
    "筑牢",
    "织密",
    "建立",
    "构建",
    "打造",
    "拓展",
    "抓实",
    "抓好",
    "统筹",
    "聚焦",
    "扎实推进",
    "全面落实",
    "持续深化",
    "着力构建",
    "大力推进",
    "稳步推进",
    "有序推进",
    "认真抓好",
    "切实加强",
    "不断健全",
    "系统梳理",
    "动态调整",
    "建立健全",
    "探索建立",
    "深入开展",
    "集中开展",
    "组织开展",
    "统筹推进",
    "一体推进",
    "协同推进",
    "跟踪问效",
    "补齐",
    "规范",
    "细化",
    "明确",
    "压茬推进",
    "创新",
    "升级",
    "改进",
    "整合",
    "用好",
    "盯紧",
    "聚力推进",
    "全力抓好",
    "精准实施",
    "高标准推进",
    "常态化开展",
    "全覆盖开展",
    "谋划实施",
)
ADVERBS = (
    "持续",
    "进一步",
    "切实",
    "扎实",
    "全面",
    "大力",
    "着力",
    "深入",
    "不断",
    "认真",
    "坚决",
    "积极",
    "主动",
    "有效",
    "稳妥",
    "全力",
    "加快",
    "集中",
    "统筹",
    "精准",
)
FORMULAS = (
    "走深走实",
    "入脑入心",
    "落地见效",
    "见行见效",
    "落细落实",
    "常态长效",
    "提质增效",
    "聚力攻坚",
    "凝心聚力",
    "守正创新",
    "真抓实干",
    "担当作为",
    "笃行实干",
    "善作善成",
    "久久为功",
    "比学赶超",
    "争先进位",
    "系统集成",
    "精准施策",
    "固本培元",
    "走在前列",
    "行稳致远",
    "落到实处",
    "取得实效",
    "见到实效",
    "全面过硬",
    "提档升级",
    "扩面提质",
)
SLOGANS = (
    "两个确立",
    "两个维护",
    "四个意识",
    "四个自信",
    "三会一课",
    "八项规定",
    "第一议题",
    "主题党日",
    "四下基层",
    "枫桥经验",
    "千万工程",
    "一岗双责",
    "三重一大",
    "两学一做",
    "双报到",
    "两优一先",
    "放管服",
    "最多跑一次",
    "一网通办",
    "高效办成一件事",
    "四风",
    "红黄蓝",
    "五星支部",
    "先锋指数",
    "书记项目",
    "党建+",
    "红色物业",
    "街乡吹哨",
)
LAWS = (
    "纪律处分条例",
    "支部工作条例",
    "问责条例",
    "廉洁自律准则",
    "干部任用条例",
    "党内监督条例",
    "党组工作条例",
    "巡视工作条例",
    "信访工作条例",
    "党务公开条例",
    "监督执纪规则",
    "选举工作条例",
    "宣传工作条例",
    "机关工作条例",
    "组织工作条例",
    "统战工作条例",
)
STUDY_VERBS = (
    "传达学习",
    "深入学习",
    "认真学习",
    "专题学习",
    "集中学习",
    "跟进学习",
    "系统学习",
    "及时传达",
    "学习了",
    "研读",
)
DEPLOY_VERBS = (
    "研究部署",
    "安排部署",
    "调度推进",
    "动员部署",
    "专题研究",
    "谋划推进",
    "部署落实",
    "听取汇报并部署",
    "研究推进",
    "再部署再推进",
)
SPIRIT_TAILS = ("重要论述", "重要指示精神", "重要指示批示精神", "重要讲话精神", "重要要求")
MEETINGS = (
    "常委会会议",
    "中心组学习会",
    "领导小组会议",
    "专题推进会",
    "工作调度会",
    "专题部署会",
    "务虚会",
    "现场观摩会",
    "党员大会",
    "支部委员会会议",
    "述职评议会",
    "民主生活会",
    "组织生活会",
    "警示教育大会",
    "工作例会",
    "联席会议",
    "动员会",
)
PRIORITIES = (
    "重要政治任务",
    "“一把手”工程",
    "头等大事",
    "重中之重",
    "基础性工作",
    "民生工程",
    "关键抓手",
    "重要载体",
    "首要任务",
)
RESULT_NOUNS = ("质效", "水平", "能力", "成效", "满意度", "覆盖率", "凝聚力", "组织力", "活力")
RESULT_PREDS = (
    "明显提升",
    "持续向好",
    "稳步提高",
    "显著增强",
    "进一步巩固",
    "不断增强",
    "大幅提升",
    "有效提高",
    "逐步显现",
    "全面提升",
)
COUNT_PHRASES: tuple[tuple[str, str, int, int], ...] = (
    ("开展集中学习", "场次", 5, 400),
    ("发展党员", "名", 3, 600),
    ("排查整改问题", "个", 8, 900),
    ("培训党员干部", "人次", 120, 60000),
    ("走访群众", "户", 200, 40000),
    ("化解矛盾纠纷", "起", 10, 3000),
    ("办理民生实事", "件", 5, 800),
    ("新建党群服务中心", "个", 2, 90),
    ("选派驻村第一书记", "名", 5, 300),
    ("召开专题会议", "次", 3, 80),
    ("查处作风问题", "起", 2, 300),
    ("帮助企业解决困难", "个", 10, 2000),
    ("开展督查检查", "轮次", 2, 40),
    ("梳理任务清单", "项", 8, 200),
    ("征集意见建议", "条", 20, 5000),
    ("建成示范点", "个", 2, 120),
    ("组织志愿服务", "场次", 10, 5000),
    ("完成项目投资", "亿元", 2, 900),
    ("新增市场主体", "户", 100, 30000),
    ("约谈提醒", "人次", 3, 500),
    ("整治突出问题", "个", 5, 700),
    ("吸纳返乡人才", "名", 10, 2000),
    ("调整优化", "个", 3, 150),
    ("回访群众", "人次", 50, 20000),
    ("发放惠民资金", "万元", 30, 90000),
)
COUNT_LEADS = ("", "", "累计", "共", "全年", "已", "先后", "年内")
PEOPLE = (
    "党员干部",
    "机关党员",
    "青年干部",
    "“两委”成员",
    "新发展党员",
    "入党积极分子",
    "网格员",
    "志愿者",
    "党员代表",
    "离退休党员",
)
ACTIVITIES = (
    "开展主题党日活动",
    "参加专题培训",
    "重温入党誓词",
    "开展志愿服务",
    "参观廉政教育基地",
    "开展入户走访",
    "参加集中轮训",
    "开展岗位练兵",
    "参与环境整治",
    "开展政策宣讲",
)
WEAK_SUBJECTS = (
    "个别党组织",
    "部分党员干部",
    "少数基层单位",
    "一些村（社区）",
    "个别领导干部",
    "部分窗口单位",
    "少数党员",
    "个别部门",
)
WEAK_NOUNS = (
    "政治功能",
    "抓落实韧劲",
    "创新意识",
    "服务能力",
    "统筹力度",
    "示范作用",
    "学用结合",
    "调查研究",
    "制度执行",
    "担当精神",
    "工作方法",
    "责任落实",
    "督导力度",
    "队伍结构",
    "资金保障",
    "数字化水平",
    "群众参与度",
    "协同配合",
    "基础台账",
    "宣传引导",
)
WEAK_STATES = (
    "发挥不够充分",
    "还不够强",
    "有待提升",
    "较为薄弱",
    "不够到位",
    "需要加强",
    "存在短板",
    "偏弱",
    "还有差距",
    "不够紧密",
    "不够深入",
    "不够严格",
    "较为单一",
    "不够均衡",
)
CHECKS = ("督查", "巡察反馈", "考核", "专项检查", "调研", "群众评议", "第三方评估")
LACKS = ("还不够健全", "有待进一步完善", "仍存在短板", "与群众期盼还有差距", "推进不够平衡")
GOALS = (
    "高质量发展目标",
    "全面推进乡村振兴",
    "建设现代化强{lv}",
    "打造一流营商环境",
    "建设幸福{lv}域",
    "奋力谱写新篇章",
    "推进中国式现代化",
    "建设更高水平的平安{lv}",
)
CONTRIBUTES = (
    "贡献力量",
    "提供坚强保障",
    "作出新的更大贡献",
    "提供有力支撑",
    "夯实基础",
    "注入强劲动力",
)
PRINCIPLES = (
    "问题导向",
    "目标导向",
    "结果导向",
    "系统观念",
    "人民至上",
    "实事求是",
    "稳中求进",
    "守正创新",
    "以人民为中心",
)
NEGATIVES = (
    "形式主义",
    "等靠要",
    "层层加码",
    "纸上谈兵",
    "只挂帅不出征",
    "抓而不实",
    "新官不理旧账",
    "造盆景",
    "一刀切",
    "虎头蛇尾",
    "重留痕轻实绩",
    "以会议落实会议",
    "文山会海",
    "过度包装",
    "急于求成",
    "各自为政",
)
IMPORTANCES = (
    "是一项长期任务",
    "事关全局",
    "事关群众切身利益",
    "是检验能力的试金石",
    "是基础工程",
    "是必答题",
    "是重要保障",
)
OUTCOMES = ("推动发展的实际成效", "服务群众的具体行动", "破解难题的有效举措", "干事创业的强大动力")
MERGES = ("有机结合", "统筹推进", "同部署同落实", "一体谋划", "深度融合")
MUTUALS = ("互促共进", "同频共振", "深度融合", "双提升", "相得益彰")
PRAISES = ("群众广泛好评", "上级部门肯定", "省市媒体报道", "社会各界认可", "基层普遍欢迎")
VOWS = (
    "将以更加饱满的热情投入工作",
    "要把学习成果转化为工作动力",
    "将立足岗位作表率",
    "会把所学所悟用到实处",
    "要当好群众的贴心人",
)
SINCE = (
    "今年以来",
    "{y}年以来",
    "近年来",
    "{m}月以来",
    "上半年",
    "前三季度",
    "“十四五”以来",
    "近期",
)
NEXTS = ("下一阶段", "今后一个时期", "{y1}年", "新的一年", "下半年")
ADDRESSES = ("同志们", "大家要清醒看到", "我们要深刻认识到", "必须看到")
SAYS = ("强调", "指出", "要求", "表示")
MONEY_SOURCES = ("争取上级资金", "落实专项资金", "整合涉农资金", "撬动社会资本", "投入财政资金")
# Slogans that name a programme and so can qualify a noun (“三会一课”制度).
PROGRAMME_SLOGANS = (
    "三会一课",
    "主题党日",
    "第一议题",
    "四下基层",
    "枫桥经验",
    "千万工程",
    "一岗双责",
    "三重一大",
    "双报到",
    "最多跑一次",
    "一网通办",
    "红黄蓝",
    "五星支部",
    "先锋指数",
    "书记项目",
    "党建+",
    "红色物业",
    "街乡吹哨",
)
CN_INDEX = "一二三四五六七八九十"

# Each template is a sentence; {slot} names a _Writer method. Two rules keep unrelated
# documents from sharing 20 characters: literal runs are short, and every sentence ends on
# a high-entropy slot (a noun phrase, a count, a place) so that the low-entropy start of the
# next sentence is never glued to a low-entropy end.
REPORT_TEMPLATES = (
    "{since}，{unit}{adv}{verb}{np}，{verb}{np}，{count}，{count}。",
    "{date}，{org}召开{meeting}，{leader}主持会议，{deploy}{np}。",
    "{org}{verb}{np}，{count}，{adv}{study}{spirit}。",
    "{org}坚持把{np}作为{priority}，{verb}{np}，推动{np}{formula}。",
    "围绕{np}，{org}{verb}“{slogan}”{aspect}，{count}，{pct}。",
    "{org}{adv}{verb}{np}，{count}，{result}。",
    "截至{ym}底，{org}{count}，{count}，{count}。",
    "在{topic}方面，{org}以{np}为抓手，{verb}{np}，{verb}{np}，{result}。",
    "{leader}带队深入{org}调研{topic}，{say}要{verb}{np}，{verb}{np}。",
    "{org}立足{county}{topic}实际，探索“{n1}+{n2}”{aspect}，{count}，{pct}。",
    "{org}{verb}{np}，{money}，{verb}{np}，{pct}。",
    "通过{verb}{np}，{org}{result}，{count}。",
    "{org}把{np}与{np}{merge}，{verb}{np}，实现{topic}与{topic}{mutual}。",
    "{date}，{org}对照{np}开展自查，{count}，{count}。",
)
PLAN_TEMPLATES = (
    "下一步，{unit}将围绕{county}{goal}，{adv}{verb}{np}，{verb}{np}。",
    "{next}，要{verb}“{slogan}”{aspect}，{verb}{np}，推动{np}{formula}。",
    "{next}，{unit}将坚持{principle}，{verb}{np}，{count}，确保{np}{formula}。",
)
WEAK_TEMPLATES = (
    "{org}在{np}上{weak_pred}，{n3}项问题中尚有{n4}项未销号，{pct}，{np}{lack}。",
    "{org}对照{np}查摆问题{n3}个，{np}方面{n4}个。",
    "{ym}{check}发现，{org}在{np}方面{weak_pred}，{np}{lack}，涉及问题{n3}个。",
)
SPEECH_TEMPLATES = (
    "{orgs}要{adv}{verb}{np}，在{np}上{formula}，{count}。",
    "抓{np}{never}{negative}，{orgs}要{verb}{np}，{count}。",
    "要{verb}“{slogan}”，{verb}{np}，{count}，确保{np}{formula}。",
    "{orgs}要在{np}中坚持{principle}，{verb}{np}，{count}。",
    "{leader}{say}{orgs}要{verb}{np}，{verb}{np}，在{np}上{formula}。",
)
OPENER_TEMPLATES = (
    "今天，我们召开{county}{topic}{meet}，{deploy}{np}，{verb}{np}。",
    "这次{county}{topic}{meet}，是在{np}的关键时期召开的，{deploy}{np}。",
)
BULLETIN_TEMPLATES = (
    "{date}，{org}组织{people}{n3}余人{activity}，{verb}{np}。",
    "活动中，{org}{verb}{np}，{count}，与会{n3}名{people}表示要在{np}上{formula}。",
    "{date}，{org}召开{meeting}，{leader}主持会议，{deploy}{np}。",
    "{date}，{org}组织{n3}名{people}围绕{np}{study}{spirit}。",
    "据了解，{org}{since}{verb}{np}，{count}，{pct}。",
    "{leader}在{meeting}上{say}要{verb}“{slogan}”{aspect}，{verb}{np}。",
)


# --------------------------------------------------------------------------------------------
# Sentence and document writer
# --------------------------------------------------------------------------------------------


class _Writer:
    """Writes one document: its own place names, unit, people and year come from its seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.r = rng.random
        self.level = self.c(("县", "区", "县", "市"))
        self.city = self.place() + "市"
        self.county = self.place() + self.level
        self.unit = self.county + self.c(COUNTY_BODIES)
        self.year = 2014 + int(self.r() * 12)
        self.genre = self.c(("report", "report", "bulletin", "speech"))

    # -- primitives -------------------------------------------------------------------------
    def c(self, seq: Sequence[str]) -> str:
        return seq[int(self.r() * len(seq))]

    def i(self, lo: int, hi: int) -> int:
        """A count between lo and hi, skewed to small values like real statistics."""
        return lo + int((hi - lo) * self.r() ** 2)

    def place(self) -> str:
        return self.c(PLACE_CHARS) + self.c(PLACE_CHARS)

    def name(self) -> str:
        given = self.c(GIVEN_CHARS) + (self.c(GIVEN_CHARS) if self.r() < 0.7 else "")
        return self.c(SURNAMES) + given

    # -- slots --------------------------------------------------------------------------------
    def unit_(self) -> str:
        return self.unit if self.r() < 0.6 else self.county + self.c(COUNTY_BODIES)

    def org(self) -> str:
        x = self.r()
        if x < 0.3:
            return self.county + self.c(COUNTY_BODIES)
        if x < 0.6:
            return self.place() + self.c(TOWN_KINDS) + self.c(TOWN_BODIES)
        if x < 0.85:
            return self.place() + self.c(VILLAGE_KINDS) + self.c(VILLAGE_BODIES)
        return self.unit

    def orgs(self) -> str:
        prefix = self.c(("全" + self.level, self.county, self.county, ""))
        return prefix + self.c(GENERIC_ORGS).replace("{lv}", self.level)

    def leader(self) -> str:
        title = self.c(LEADER_TITLES).replace("{lv}", self.level)
        return self.county + title + self.name()

    def date(self) -> str:
        year = self.year + int(self.r() * 2)
        return f"{year}年{1 + int(self.r() * 12)}月{1 + int(self.r() * 28)}日"

    def ym(self) -> str:
        return f"{self.year}年{1 + int(self.r() * 12)}月"

    def since(self) -> str:
        return (
            self.c(SINCE)
            .replace("{y}", str(self.year - int(self.r() * 4)))
            .replace("{m}", str(1 + int(self.r() * 10)))
        )

    def next_(self) -> str:
        return self.c(NEXTS).replace("{y1}", str(self.year + 1))

    def topic(self) -> str:
        return self.c(DOMAINS)

    def aspect(self) -> str:
        return self.c(ASPECTS)

    def np_(self) -> str:
        x = self.r()
        if x < 0.15:
            return self.county + self.c(DOMAINS) + self.c(ASPECTS)
        if x < 0.25:
            return self.c(DOMAINS) + "“" + self.c(PROGRAMME_SLOGANS) + "”" + self.c(ASPECTS)
        return self.c(DOMAINS) + self.c(ASPECTS)

    def verb(self) -> str:
        return self.c(VERBS)

    def adv(self) -> str:
        return self.c(ADVERBS) if self.r() < 0.6 else ""

    def formula(self) -> str:
        return self.c(FORMULAS)

    def slogan(self) -> str:
        return self.c(SLOGANS)

    def law(self) -> str:
        return self.c(LAWS)

    def meeting(self) -> str:
        x = self.r()
        if x < 0.35:
            return self.c(DOMAINS) + self.c(MEETINGS)
        if x < 0.55:
            return f"{self.year}年度{self.c(DOMAINS)}{self.c(MEETINGS)}"
        if x < 0.7:
            return f"第{CN_INDEX[int(self.r() * 10)]}次{self.c(MEETINGS)}"
        return f"{self.county}{self.c(MEETINGS)}"

    def meet(self) -> str:
        return self.c(MEETINGS)

    def study(self) -> str:
        return self.c(STUDY_VERBS)

    def deploy(self) -> str:
        return self.c(DEPLOY_VERBS)

    def spirit(self) -> str:
        x = self.r()
        if x < 0.45:
            # a noun phrase, not a bare domain: the fixed words around it are long
            return f"总书记关于{self.np_()}的{self.c(SPIRIT_TAILS)}"
        if x < 0.6:
            return f"二十届{CN_INDEX[int(self.r() * 4)]}中全会关于{self.np_()}的部署"
        if x < 0.8:
            n1, n2 = CN_INDEX[int(self.r() * 6) + 3], CN_INDEX[int(self.r() * 9)]
            return f"{self.city}委{n1}届{n2}次全会精神"
        return f"《{self.c(LAWS)}》和{self.np_()}有关规定"

    def priority(self) -> str:
        return self.c(PRIORITIES)

    def result_noun(self) -> str:
        return self.c(RESULT_NOUNS)

    def result(self) -> str:
        return self.c(DOMAINS) + self.c(RESULT_NOUNS) + self.c(RESULT_PREDS)

    def count(self) -> str:
        act, unit, lo, hi = COUNT_PHRASES[int(self.r() * len(COUNT_PHRASES))]
        lead = self.c(COUNT_LEADS)
        number = lo + int((hi - lo) * self.r())
        if unit in ("亿元", "万元") and self.r() < 0.5:
            return f"{lead}{act}{number}.{int(self.r() * 10)}{unit}"
        return f"{lead}{act}{number}{unit}"

    def pct(self) -> str:
        what = self.c(("同比增长", "覆盖率达", "满意率达", "完成率达", "整改率达", "参与率达"))
        return f"{self.c(DOMAINS)}{what}{self.i(3, 99)}.{int(self.r() * 10)}%"

    def money(self) -> str:
        what = self.c(MONEY_SOURCES)
        return f"{what}{self.i(20, 9000)}{self.c(('万元', '万元', '亿元'))}"

    def n1(self) -> str:
        return str(1 + int(self.r() * 5))

    def n2(self) -> str:
        return str(2 + int(self.r() * 8))

    def n4(self) -> str:
        return str(1 + int(self.r() * 90))

    def n3(self) -> str:
        return str(12 + int(self.r() * 900))

    def say(self) -> str:
        return self.c(SAYS) + "，"

    def praise(self) -> str:
        return self.c(PRAISES)

    def merge(self) -> str:
        return self.c(MERGES)

    def mutual(self) -> str:
        return self.c(MUTUALS)

    def goal(self) -> str:
        return self.c(GOALS).replace("{lv}", self.level)

    def contribute(self) -> str:
        return self.c(CONTRIBUTES)

    def principle(self) -> str:
        return self.c(PRINCIPLES)

    def weak_subj(self) -> str:
        return self.c(WEAK_SUBJECTS)

    def weak_pred(self) -> str:
        return self.c(WEAK_NOUNS) + self.c(WEAK_STATES)

    def county_(self) -> str:
        return self.county

    def check(self) -> str:
        return self.c(CHECKS)

    def lack(self) -> str:
        return self.c(LACKS)

    def people(self) -> str:
        return self.c(PEOPLE)

    def activity(self) -> str:
        return self.c(ACTIVITIES)

    def vow(self) -> str:
        return self.c(VOWS)

    def outcome(self) -> str:
        return self.c(OUTCOMES)

    def never(self) -> str:
        return self.c(("决不能", "更不能", "坚决防止", "严禁", "切忌", "不搞"))

    def negative(self) -> str:
        return self.c(NEGATIVES)

    def importance(self) -> str:
        return self.c(IMPORTANCES)

    def address(self) -> str:
        return self.c(ADDRESSES)

    # -- sentences, headings, titles -----------------------------------------------------------
    def render(self, template: _Compiled) -> str:
        return "".join([lit + fn(self) if fn else lit for lit, fn in template])

    def sentence(self, section: str) -> str:
        return self.render(self.c(_COMPILED[section]))  # type: ignore[arg-type]

    def title(self) -> str:
        year, topic = self.year, self.topic()
        if self.genre == "speech":
            return f"在{self.county}{topic}{self.c(MEETINGS)}上的讲话（{self.name()}）"
        if self.genre == "bulletin":
            return f"{self.county}：{self.verb()}{self.np_()}推动{topic}{self.formula()}"
        return self.c(
            (
                f"{self.unit}关于{year}年{topic}工作情况的报告",
                f"{self.unit}{year}年度{topic}工作总结",
                f"{self.unit}关于{topic}{self.aspect()}的实施方案",
            )
        )

    def heading(self, index: int, section: str) -> str:
        topic = self.topic()
        text = {
            "body": self.c(
                (
                    f"{self.year}年{self.np_()}开展情况",
                    f"{self.np_()}取得的成效",
                    f"聚焦{topic}{self.aspect()}，{self.verb()}{self.np_()}",
                )
            ),
            "weak": self.c(
                (
                    f"存在的问题：{self.np_()}{self.c(LACKS)}，{self.np_()}",
                    f"问题和不足：{self.np_()}",
                )
            ),
            "plan": self.c(
                (f"{self.year + 1}年{self.np_()}工作打算", f"下一步{self.np_()}工作思路")
            ),
        }[section]
        return f"{CN_INDEX[index % 10]}、{text}"


_Compiled = tuple[tuple[str, Callable[[_Writer], str] | None], ...]
_SLOT_ALIASES = {"unit": "unit_", "np": "np_", "next": "next_", "county": "county_"}


def _compile(template: str) -> _Compiled:
    parts: list[tuple[str, Callable[[_Writer], str] | None]] = []
    for literal, slot, _spec, _conv in string.Formatter().parse(template):
        fn = getattr(_Writer, _SLOT_ALIASES.get(slot, slot)) if slot else None
        parts.append((literal, fn))
    return tuple(parts)


_COMPILED: dict[str, tuple[_Compiled, ...]] = {
    name: tuple(_compile(t) for t in templates)
    for name, templates in (
        ("body", REPORT_TEMPLATES),
        ("plan", PLAN_TEMPLATES),
        ("weak", WEAK_TEMPLATES),
        ("speech", SPEECH_TEMPLATES),
        ("bulletin", BULLETIN_TEMPLATES),
        ("opener", OPENER_TEMPLATES),
    )
}


@dataclass(slots=True)
class _Draft:
    """A document under construction: pieces, and for each piece how to rewrite it.

    Pieces are kept separate until the end so the repair pass can replace a single sentence
    that accidentally repeats text of another document.
    """

    writer: _Writer
    pieces: list[str]
    sections: list[_PieceSpec | None]  # how to rewrite each piece; None: fixed text

    def text(self) -> str:
        return "".join(self.pieces)


def _draft_document(rng: random.Random, target_chars: int) -> _Draft:
    w = _Writer(rng)
    pieces: list[str] = [w.title(), "\n"]
    sections: list[_PieceSpec | None] = [("title", "", ""), None]
    size = len(pieces[0])
    if w.genre == "speech":
        plan = ["speech"]
        pieces += ["同志们：", "\n", w.sentence("opener"), "\n"]
        sections += [None, None, ("sent", "opener", ""), None]
    elif w.genre == "bulletin":
        plan = ["bulletin", "body"]
    else:
        plan = ["body", "body", "weak", "plan"]
    heading_no = 0
    while size < target_chars:
        for section in plan:
            if size >= target_chars:
                break
            if w.genre == "report":
                pieces += [w.heading(heading_no, section), "\n"]
                sections += [("heading", f"{section}:{heading_no}", ""), None]
                heading_no += 1
            for _ in range(1 + int(w.r() * 3)):  # paragraphs per section
                n_sent = 2 + int(w.r() * 4)
                enumerate_items = w.genre != "bulletin" and w.r() < 0.3
                for k in range(n_sent):
                    mark = ""
                    if enumerate_items:
                        mark = f"第{CN_INDEX[k]}，" if w.genre == "speech" else f"{CN_INDEX[k]}是"
                    s = mark + w.sentence(section)
                    pieces.append(s)
                    sections.append(("sent", section, mark))
                    size += len(s)
                pieces.append("\n")
                sections.append(None)
                if size >= target_chars:
                    break
    return _Draft(w, pieces, sections)


_DEBUG = False
# (what, argument, prefix): ("sent", section, item mark), ("heading", "section:index", ""),
# ("title", "", "")
_PieceSpec = tuple[str, str, str]
_HASH_BASE = 0x9E3779B97F4A7C15  # odd, hence invertible modulo 2**64
_HASH_BASE_INV = pow(_HASH_BASE, -1, 2**64)


def kgram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """Polynomial hashes of every k-gram of a code point array, in a few vector passes.

    Prefix sums of ``c[j] * B**-j`` (uint64 arithmetic wraps, which is what we want) give
    each window's sum, and multiplying by ``B**(i+k-1)`` turns it into the usual
    ``sum c[j] * B**(i+k-1-j)``; this is several times faster than k multiply-add passes.
    """
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    length = len(codes)
    with np.errstate(over="ignore"):
        inv_pows = np.empty(length, dtype=np.uint64)
        inv_pows[0] = 1
        inv_pows[1:] = _HASH_BASE_INV
        np.cumprod(inv_pows, out=inv_pows)
        pows = np.empty(length, dtype=np.uint64)
        pows[0] = 1
        pows[1:] = _HASH_BASE
        np.cumprod(pows, out=pows)
        prefix = np.zeros(length + 1, dtype=np.uint64)
        np.cumsum(codes.astype(np.uint64) * inv_pows, out=prefix[1:])
        return (prefix[k : k + n] - prefix[:n]) * pows[k - 1 : k - 1 + n]


def _doc_hashes(texts: Sequence[str], k: int) -> list[np.ndarray]:
    return [kgram_hashes(np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32), k) for t in texts]


@dataclass(slots=True)
class _HashIndex:
    """Every k-gram hash of a set of texts, sorted, with the text holding it.

    Hash and text index are packed into one uint64 key (text in the low bits) because
    ``np.sort`` of plain integers is several times faster than ``argsort``; the hash keeps
    64 - ``bits`` bits, and a clash of those only ever costs one needless rewrite.
    """

    bits: int
    hashes: np.ndarray  # high part of each sorted key
    docs: np.ndarray  # text index of each sorted key

    @classmethod
    def of(cls, per_doc: Sequence[np.ndarray]) -> _HashIndex:
        bits = max(1, (len(per_doc) - 1).bit_length())
        shift = np.uint64(bits)
        keys = np.concatenate(
            [((h >> shift) << shift) | np.uint64(d) for d, h in enumerate(per_doc)]
            or [np.zeros(0, np.uint64)]
        )
        keys.sort()
        return cls(bits, keys >> shift, (keys & np.uint64((1 << bits) - 1)).astype(np.int64))

    def repeats(self) -> dict[int, np.ndarray]:
        """For each text, the hash parts it shares with an earlier text."""
        hs, ds = self.hashes, self.docs
        if len(hs) == 0:
            return {}
        run_start = np.zeros(len(hs), dtype=np.int64)
        brk = np.concatenate(([True], hs[1:] != hs[:-1]))
        run_start[brk] = np.nonzero(brk)[0]
        run_start = np.maximum.accumulate(run_start)
        later = np.nonzero(ds != ds[run_start])[0]  # texts ascend within a run
        out: dict[int, list[int]] = {}
        for d, h in zip(ds[later].tolist(), hs[later].tolist(), strict=True):
            out.setdefault(d, []).append(h)
        return {d: np.array(v, dtype=np.uint64) for d, v in out.items()}

    def elsewhere(self, hashes: np.ndarray, doc: np.ndarray) -> np.ndarray:
        """Which full hashes also occur in a text other than the matching ``doc``."""
        part = hashes >> np.uint64(self.bits)
        lo = np.searchsorted(self.hashes, part, "left")
        hi = np.searchsorted(self.hashes, part, "right")
        found = hi > lo
        if not len(self.docs):
            return found
        first = self.docs[np.minimum(lo, len(self.docs) - 1)]
        last = self.docs[np.maximum(hi - 1, 0)]
        return found & ((first != doc) | (last != doc))


def shared_kgrams(texts: Sequence[str], k: int = 20) -> list[tuple[int, int, int, int]]:
    """Every k-gram found in two different texts, as (text_a, pos_a, text_b, pos_b).

    text_a < text_b; each occurrence in a later text is listed once, against the first
    text holding it. Strings are compared exactly, so hash collisions never show up here.
    """
    per_doc = _doc_hashes(texts, k)
    index = _HashIndex.of(per_doc)
    repeats = index.repeats()
    if not repeats:
        return []
    shift = np.uint64(index.bits)
    shared_parts = np.unique(np.concatenate(list(repeats.values())))
    lengths = [len(h) for h in per_doc]
    hits = np.isin(np.concatenate(per_doc) >> shift, shared_parts)
    bounds = np.cumsum([0] + lengths)
    first_text: dict[str, tuple[int, int]] = {}
    found = []
    for d in range(len(per_doc)):
        for pos in np.nonzero(hits[bounds[d] : bounds[d + 1]])[0].tolist():
            gram = texts[d][pos : pos + k]
            owner = first_text.setdefault(gram, (d, pos))
            if owner[0] != d:
                found.append((owner[0], owner[1], d, pos))
    return found


def _repair(drafts: list[_Draft], k: int = 20, rounds: int = 12) -> int:
    """Rewrite sentences until no k-gram is shared by two drafts; returns sentences rewritten.

    One global pass finds the repeats; later passes only hash the windows around rewritten
    sentences and look them up in the first pass's index (a stale hash can only cause one
    rewrite too many, never a missed repeat).
    """
    per_doc = _doc_hashes([d.text() for d in drafts], k)
    index = _HashIndex.of(per_doc)
    shift = np.uint64(index.bits)
    todo: dict[int, set[int]] = {}
    for d, parts in index.repeats().items():
        draft = drafts[d]
        offsets = np.cumsum([0] + [len(p) for p in draft.pieces])
        for pos in np.nonzero(np.isin(per_doc[d] >> shift, parts))[0].tolist():
            todo.setdefault(d, set()).update(
                _pieces_touching(offsets, draft.sections, pos, pos + k)
            )
    del per_doc
    fresh: dict[tuple[int, int], np.ndarray] = {}
    rewritten = 0
    for _ in range(rounds):
        if not todo:
            break
        if _DEBUG:
            print("repair round:", sum(len(v) for v in todo.values()), file=sys.stderr)
        rewritten += sum(len(v) for v in todo.values())
        for d, pids in todo.items():
            _rewrite(drafts[d], pids)
        todo = _recheck(drafts, todo, index, fresh, k)
    return rewritten


def _rewrite(draft: _Draft, piece_ids: set[int]) -> None:
    for pid in sorted(piece_ids):
        spec = draft.sections[pid]
        if spec is not None:
            draft.pieces[pid] = _regenerate(draft.writer, spec)


def _regenerate(w: _Writer, spec: _PieceSpec) -> str:
    what, arg, prefix = spec
    if what == "title":
        return w.title()
    if what == "heading":
        section, index = arg.split(":")
        return w.heading(int(index), section)
    return prefix + w.sentence(arg)


def _recheck(
    drafts: list[_Draft],
    changed: dict[int, set[int]],
    index: _HashIndex,
    fresh: dict[tuple[int, int], np.ndarray],
    k: int,
) -> dict[int, set[int]]:
    """Pieces whose windows, around the pieces just rewritten, repeat another draft's k-gram.

    ``index`` holds the first pass's hashes; ``fresh`` the current windows of every piece
    rewritten so far (keyed by draft and piece), so two rewrites cannot collide either.
    A clashing window marks every piece it touches: the clash may lie mostly in an
    unchanged neighbour, which must then be rewritten too.
    """
    new_h, new_d, new_pos = [], [], []
    offsets_of: dict[int, np.ndarray] = {}
    for d, pids in changed.items():
        draft = drafts[d]
        offsets = np.cumsum([0] + [len(p) for p in draft.pieces])
        offsets_of[d] = offsets
        h = kgram_hashes(np.frombuffer(draft.text().encode("utf-32-le"), dtype=np.uint32), k)
        for pid in pids:
            lo, hi = max(0, int(offsets[pid]) - k + 1), min(len(h), int(offsets[pid + 1]))
            new_h.append(h[lo:hi])
            new_d.append(np.full(hi - lo, d, dtype=np.int64))
            new_pos.append(np.arange(lo, hi, dtype=np.int64))
    if not new_h:
        return {}
    hs, ds, ps = np.concatenate(new_h), np.concatenate(new_d), np.concatenate(new_pos)
    clash = index.elsewhere(hs, ds)
    bounds = np.cumsum([0] + [len(h) for h in new_h])
    keys = [(d, pid) for d, pids in changed.items() for pid in pids]
    now = {(d, pid) for d, pids in changed.items() for pid in pids}
    others = [(h, d) for (d, pid), h in fresh.items() if (d, pid) not in now]
    all_h = np.concatenate([hs] + [h for h, _d in others])
    all_d = np.concatenate([ds] + [np.full(len(h), d, dtype=np.int64) for h, d in others])
    order = np.argsort(all_h, kind="stable")
    sh, sd = all_h[order], all_d[order]
    pair = np.nonzero((sh[1:] == sh[:-1]) & (sd[1:] != sd[:-1]))[0]
    hit = np.concatenate((order[pair], order[pair + 1]))
    clash[hit[hit < len(hs)]] = True
    for i, key in enumerate(keys):
        fresh[key] = hs[bounds[i] : bounds[i + 1]]
    todo: dict[int, set[int]] = {}
    for d, pos in zip(ds[clash].tolist(), ps[clash].tolist(), strict=True):
        todo.setdefault(d, set()).update(
            _pieces_touching(offsets_of[d], drafts[d].sections, pos, pos + k)
        )
    return todo


def _pieces_touching(
    offsets: np.ndarray, sections: list[_PieceSpec | None], start: int, end: int
) -> list[int]:
    """Pieces overlapping ``[start, end)``; ``offsets`` are the pieces' start offsets + total."""
    first = int(np.searchsorted(offsets, start, "right")) - 1
    last = int(np.searchsorted(offsets, end - 1, "right")) - 1
    out = list(range(max(first, 0), min(last, len(sections) - 1) + 1))
    # If only fixed pieces overlap (a heading and newlines), rewrite a neighbouring sentence.
    if all(sections[i] is None for i in out):
        near = [
            i for i in range(out[-1] + 1 if out else 0, len(sections)) if sections[i] is not None
        ][:1]
        if not near:
            near = [i for i in range(len(sections)) if sections[i] is not None][-1:]
        out += near
    return out


def generate_documents(
    n_docs: int, doc_chars: int = 3000, seed: int = 0, repair: int | None = None
) -> list[str]:
    """Officialese documents of about ``doc_chars`` characters each, deterministic by seed.

    ``repair=k`` rewrites sentences until no k-character string occurs in two documents;
    0 turns it off. The default (None) is k=20 up to 4,000 documents and k=30 beyond:
    the grammar alone keeps 20-character repeats rare but, at 10,000 documents of 3,000
    characters, not absent (measured: 20-char shares touch most documents, 30-char ones 49
    documents, 40-char ones none), and repairing at 20 would not fit the speed budget there.
    """
    master = random.Random(f"docs:{seed}")
    drafts = []
    for _ in range(n_docs):
        rng = random.Random(master.getrandbits(64))
        target = int(doc_chars * (0.75 + 0.5 * rng.random()))
        drafts.append(_draft_document(rng, target))
    if repair is None:
        repair = 20 if n_docs <= 4000 else 30
    if repair:
        _repair(drafts, k=repair)
    return [d.text() for d in drafts]


# --------------------------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------------------------


@cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


_CN_DIGITS = "零一二三四五六七八九"


def int_to_chinese(n: int) -> str:
    """Chinese numeral reading: 326 -> 三百二十六, 1005 -> 一千零五, 12 -> 十二."""
    if n < 0:
        return "负" + int_to_chinese(-n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n >= 100_000_000:
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    high, low = divmod(n, 10_000)
    if high:
        out = _cn_below_10000(high) + "万"
        if low:
            out += ("零" if low < 1000 else "") + _cn_below_10000(low)
        return out
    return _cn_below_10000(low)


def _cn_below_10000(n: int) -> str:
    out: list[str] = []
    pending_zero = False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_CN_DIGITS[d] + name)
    return "".join(out)


def _digits_chinese(digits: str) -> str:
    """2024 -> 二〇二四, the way years are written out."""
    return "".join("〇" if d == "0" else _CN_DIGITS[int(d)] for d in digits)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def rewrite_numbers(passage: str, rng: random.Random) -> str | None:
    """Rewrite one to three numbers the ways real reposts do; None if there is no number."""
    found = [m for m in _NUMBER.finditer(passage) if m.group().isascii()]
    if not found:
        return None
    chosen = sorted(rng.sample(found, min(len(found), rng.randint(1, 3))), key=lambda m: m.start())
    out, last = [], 0
    for m in chosen:
        num = m.group()
        nxt = passage[m.end() : m.end() + 1]
        if "." in num:
            new = rng.choice(("[*]", num.replace(".", "点")))
        elif len(num) == 4 and nxt == "年":
            new = _digits_chinese(num)
        elif int(num) <= 20 and int(num) > 0:
            new = rng.choice((chr(0x245F + int(num)), int_to_chinese(int(num))))
        else:
            new = rng.choice(("[*]", int_to_chinese(int(num))))
        out += [passage[last : m.start()], new]
        last = m.end()
    out.append(passage[last:])
    return "".join(out)


def _cjk_pool() -> str:
    chars = {
        ch
        for words in (DOMAINS, ASPECTS, VERBS, FORMULAS, RESULT_PREDS, PEOPLE)
        for w in words
        for ch in w
        if "\u4e00" <= ch <= "\u9fff"
    }
    return "".join(sorted(chars))


_POOL = _cjk_pool()


def edit_passage(passage: str, rng: random.Random, rate: float = 0.1) -> str:
    """Substitute, insert or delete about ``rate`` of the characters, touching only CJK ones."""
    cjk = [i for i, ch in enumerate(passage) if "\u4e00" <= ch <= "\u9fff"]
    n_ops = max(1, round(rate * len(passage)))
    positions = sorted(rng.sample(cjk, min(n_ops, len(cjk))), reverse=True)
    chars = list(passage)
    for i in positions:  # from the end, so earlier positions stay valid
        op = rng.random()
        new = rng.choice(_POOL)
        while new == chars[i]:
            new = rng.choice(_POOL)
        if op < 0.6:
            chars[i] = new
        elif op < 0.8:
            chars.insert(i + 1, new)
        else:
            del chars[i]
    return "".join(chars)


_CLAUSE = re.compile(r"([^，,；;、。！？!?]*)([，,；;、。！？!?][”’」』）)]*)?")


def _clauses(passage: str) -> list[tuple[str, str]]:
    """Split into (body, separator) pieces; joining them gives the passage back.

    A closing quote before a comma stays with its clause; one after a full stop stays with
    the stop, so moving a clause never breaks a pair of quotes.
    """
    out = []
    for m in _CLAUSE.finditer(passage):
        if m.group():
            out.append((m.group(1), m.group(2) or ""))
    return out


def _is_inner(punct: str) -> bool:
    return bool(punct) and punct[0] in "，,；;、"


def reorder_clauses(passage: str, rng: random.Random) -> str | None:
    """Swap two neighbouring clauses of one sentence, leaving punctuation in place."""
    parts = _clauses(passage)
    options = [
        i
        for i in range(len(parts) - 1)
        if _is_inner(parts[i][1])
        and parts[i][0] != parts[i + 1][0]
        and parts[i][0].strip()
        and parts[i + 1][0].strip()
    ]
    if not options:
        return None
    i = rng.choice(options)
    (b1, p1), (b2, p2) = parts[i], parts[i + 1]
    parts[i], parts[i + 1] = (b2, p1), (b1, p2)
    return "".join(b + p for b, p in parts)


def drop_clause(passage: str, rng: random.Random) -> str | None:
    """Drop one clause that is followed by another clause of the same sentence."""
    parts = _clauses(passage)
    options = [i for i in range(len(parts) - 1) if _is_inner(parts[i][1]) and parts[i][0].strip()]
    if not options:
        return None
    i = rng.choice(options)
    del parts[i]
    return "".join(b + p for b, p in parts)


_FULL_TO_HALF = {
    "，": ",",
    "。": ".",
    "；": ";",
    "：": ":",
    "！": "!",
    "？": "?",
    "（": "(",
    "）": ")",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
}


def swap_punct_width(passage: str) -> str | None:
    """Full-width punctuation to half-width, or the reverse if the passage is mostly half-width."""
    full = sum(passage.count(ch) for ch in _FULL_TO_HALF)
    half = sum(passage.count(ch) for ch in ',;:!?()"')
    if full == 0 and half == 0:
        return None
    if full >= half:
        return "".join(_FULL_TO_HALF.get(ch, ch) for ch in passage)
    out, quote_open = [], False
    for i, ch in enumerate(passage):
        between_digits = (
            0 < i < len(passage) - 1 and passage[i - 1].isdigit() and passage[i + 1].isdigit()
        )
        if ch == '"':
            out.append("”" if quote_open else "“")
            quote_open = not quote_open
        elif ch in ",.;:!?()" and not (ch in ".:," and between_digits):
            out.append(
                {
                    ",": "，",
                    ".": "。",
                    ";": "；",
                    ":": "：",
                    "!": "！",
                    "?": "？",
                    "(": "（",
                    ")": "）",
                }[ch]
            )
        else:
            out.append(ch)
    return "".join(out)


def transform(kind: str, passage: str, rng: random.Random) -> str | None:
    """The planted copy of ``passage`` for ``kind``; None when the kind cannot change it."""
    if kind in ("exact", "family", FOOTER_KIND):
        return passage
    if kind == "edit":
        out = edit_passage(passage, rng)
    elif kind == "traditional":
        out = to_traditional(passage)
    elif kind == "numbers":
        out = rewrite_numbers(passage, rng)
    elif kind == "reorder":
        out = reorder_clauses(passage, rng)
    elif kind == "drop":
        out = drop_clause(passage, rng)
    elif kind == "punct":
        out = swap_punct_width(passage)
    else:
        raise ValueError(f"unknown plant kind {kind!r}")
    return out if out is not None and out != passage else None


# --------------------------------------------------------------------------------------------
# Planting
# --------------------------------------------------------------------------------------------

_SENT_END = re.compile(r"[。！？][”’」』）)]*")


@dataclass(slots=True)
class _Sentences:
    """Sentences of one base text: (start, end, line) triples, and the allowed insertion points."""

    spans: list[tuple[int, int, int]]

    @classmethod
    def of(cls, text: str) -> _Sentences:
        spans: list[tuple[int, int, int]] = []
        line_start = 0
        for line_no, line in enumerate(text.split("\n")):
            body = line[:-1] if line.endswith("\r") else line
            pos = 0
            for m in _SENT_END.finditer(body):
                start = pos
                while start < m.start() and body[start] in " \t\u3000":
                    start += 1
                if start < m.start():
                    spans.append((line_start + start, line_start + m.end(), line_no))
                pos = m.end()
            line_start += len(line) + 1
        return cls(spans)


def _pick_passage(
    sents: _Sentences,
    rng: random.Random,
    min_len: int,
    max_len: int,
    blocked: Callable[[int, int], bool],
) -> tuple[int, int] | None:
    spans = sents.spans
    if not spans:
        return None
    for attempt in range(40):
        multiline = attempt >= 25  # documents made of short lines still need passages
        i = rng.randrange(len(spans))
        want = rng.randint(min_len, max_len)
        start, end, line = spans[i]
        j = i
        while end - start < want and j + 1 < len(spans):
            nxt = spans[j + 1]
            if nxt[2] != line and not multiline:
                break
            if nxt[1] - start > max_len:
                break
            j += 1
            end, line = nxt[1], nxt[2]
        if min_len <= end - start <= max_len and not blocked(start, end):
            return start, end
    return None


@dataclass(slots=True)
class _DocState:
    sents: _Sentences
    sources: list[tuple[int, int]] = field(default_factory=list)
    points: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)

    def blocked(self, start: int, end: int) -> bool:
        """A new source span must not overlap other sources or touch any insertion point."""
        if any(s < end and start < e for s, e in self.sources):
            return True
        return any(start <= q <= end for q in self.points)

    def free_points(self) -> list[int]:
        return [
            e
            for _s, e, _l in self.sents.spans
            if e not in self.points and not any(s <= e <= t for s, t in self.sources)
        ]


def default_ids(n: int) -> list[str]:
    return [f"doc-{i + 1:05d}.txt" for i in range(n)]


def plant(
    base_texts: Sequence[str],
    n_plants: int,
    seed: int,
    kinds: Sequence[str] = ALL_KINDS,
    min_len: int = 60,
    max_len: int = 400,
    ids: Sequence[str] | None = None,
) -> tuple[list[str], list[Plant]]:
    """Plant ``n_plants`` transformed passages into ``base_texts``; returns final texts and truth.

    Passages start and end at sentence boundaries of untouched base text and are inserted at
    sentence boundaries of other documents, never inside or next to another plant's source.
    All plants are planned on the base texts first and inserted afterwards, so every offset
    is computed once, in the final texts. Kinds are spread evenly over the plants. A plant
    that finds no suitable passage (e.g. "numbers" on text without digits) is skipped.
    """
    ids = list(ids) if ids is not None else default_ids(len(base_texts))
    if len(ids) != len(base_texts):
        raise ValueError("ids and base_texts differ in length")
    if len(base_texts) < 2 or n_plants <= 0:
        return list(base_texts), []
    rng = random.Random(f"plant:{seed}")
    schedule = [kinds[i % len(kinds)] for i in range(n_plants)]
    rng.shuffle(schedule)
    states: dict[int, _DocState] = {}

    def state(d: int) -> _DocState:
        if d not in states:
            states[d] = _DocState(_Sentences.of(base_texts[d]))
        return states[d]

    planned: list[tuple[str, int, int, int, str, list[tuple[int, int, str]]]] = []
    n = len(base_texts)
    for kind in schedule:
        for _attempt in range(60):
            src = rng.randrange(n)
            st = state(src)
            span = _pick_passage(st.sents, rng, min_len, max_len, st.blocked)
            if span is None:
                continue
            passage = base_texts[src][span[0] : span[1]]
            new = transform(kind, passage, rng)
            if new is None:
                continue
            n_targets = rng.randint(4, 6) if kind == "family" else 1
            targets = _choose_targets(rng, n, src, n_targets, state)
            if len(targets) < min(n_targets, 2 if kind == "family" else 1):
                continue
            st.sources.append(span)
            inserts = []
            for t, q in targets:
                inserts.append((t, q, new))
            planned.append((kind, src, span[0], span[1], passage, inserts))
            for k, (t, q, text) in enumerate(inserts):
                state(t).points[q] = [(len(planned) - 1, k, text)]
            break
    return _assemble(base_texts, ids, planned, states)


def _choose_targets(
    rng: random.Random, n: int, src: int, want: int, state: Callable[[int], _DocState]
) -> list[tuple[int, int]]:
    chosen: list[tuple[int, int]] = []
    used = {src}
    for _ in range(want * 8):
        if len(chosen) == want:
            break
        t = rng.randrange(n)
        if t in used:
            continue
        points = state(t).free_points()
        if not points:
            used.add(t)
            continue
        used.add(t)
        chosen.append((t, rng.choice(points)))
    return chosen


def _assemble(
    base_texts: Sequence[str],
    ids: Sequence[str],
    planned: list[tuple[str, int, int, int, str, list[tuple[int, int, str]]]],
    states: dict[int, _DocState],
) -> tuple[list[str], list[Plant]]:
    final = list(base_texts)
    # new offset of each insertion: (plant index, target index) -> Span
    target_spans: dict[tuple[int, int], Span] = {}
    shifts: dict[int, tuple[list[int], list[int]]] = {}
    for d, st in states.items():
        if not st.points:
            continue
        text = base_texts[d]
        out, last, added = [], 0, 0
        qs, cum = [], []
        for q in sorted(st.points):
            for p_idx, t_idx, ins in st.points[q]:
                out += [text[last:q], ins]
                last = q
                target_spans[(p_idx, t_idx)] = Span(ids[d], q + added, q + added + len(ins))
                added += len(ins)
            qs.append(q)
            cum.append(added)
        out.append(text[last:])
        final[d] = "".join(out)
        shifts[d] = (qs, cum)

    def moved(d: int, pos: int) -> int:
        # Insertion points never fall inside or at the edge of a source span, so a source
        # position moves by everything inserted before it.
        if d not in shifts:
            return pos
        qs, cum = shifts[d]
        k = int(np.searchsorted(qs, pos, side="left"))
        return pos + (cum[k - 1] if k else 0)

    plants = []
    for p_idx, (kind, src, s, e, passage, inserts) in enumerate(planned):
        source = Span(ids[src], moved(src, s), moved(src, e))
        targets = [target_spans[(p_idx, k)] for k in range(len(inserts))]
        plants.append(Plant(kind, source, targets, passage, [ins for _t, _q, ins in inserts]))
    return final, plants


# --------------------------------------------------------------------------------------------
# Messy input and writing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocStyle:
    """How one document is messed up; text-level choices are made before planting."""

    encoding: str = "utf-8"
    crlf: bool = False
    traditional: bool = False
    half_width: bool = False


def choose_styles(ids: Sequence[str], seed: int, messy: bool = True) -> dict[str, DocStyle]:
    """Per-document messiness, deterministic by seed and id."""
    if not messy:
        return {i: DocStyle() for i in ids}
    rng = random.Random(f"styles:{seed}")
    out = {}
    for doc_id in ids:
        x = rng.random()
        encoding = "gb18030" if x < 0.12 else "utf-8-sig" if x < 0.24 else "utf-8"
        out[doc_id] = DocStyle(
            encoding=encoding,
            crlf=rng.random() < 0.15,
            traditional=rng.random() < 0.08,
            half_width=rng.random() < 0.05,
        )
    return out


def apply_text_style(text: str, style: DocStyle) -> str:
    """Text-level messiness; must run before planting, since it changes offsets."""
    if style.traditional:
        text = to_traditional(text)
    if style.half_width:
        text = text.replace("，", ",").replace("：", ":").replace("；", ";")
    if style.crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text


def write_corpus(out_dir: Path, texts: Mapping[str, str], seed: int, messy: bool = True) -> None:
    """Write one file per document, in the encoding its style picks (GB18030, UTF-8 with BOM...).

    Only the byte encoding is chosen here: anything that changes the decoded text (CRLF,
    traditional characters) must already be in ``texts``, so planted offsets stay valid.
    Refuses a non-empty folder, whose stray files would silently join the corpus.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    styles = choose_styles(list(texts), seed, messy)
    for doc_id, text in texts.items():
        path = out_dir / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(styles[doc_id].encoding))


def make_footer(rng: random.Random) -> str:
    """A site's copyright footer: the boilerplate many real pages carry verbatim."""
    site = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(("市", "县", "区"))
    body = rng.choice(("委组织部", "委宣传部", "纪委监委", "人民政府办公室", "融媒体中心"))
    prov = rng.choice("京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青")
    icp = rng.randrange(10_000_000, 99_999_999)
    police = rng.randrange(10**13, 10**14)
    office = rng.choice(("信息中心", "融媒体中心", "大数据中心"))
    return (
        f"主办：{site}{body}　承办：{site}{office}\n"
        f"版权所有 © {rng.randint(2012, 2025)} {site}{body}　未经授权禁止复制或建立镜像\n"
        f"备案号：{prov}ICP备{icp}号-{rng.randint(1, 9)}　{prov}公网安备 {police}号"
    )


def add_footer(
    texts: list[str], ids: Sequence[str], seed: int, fraction: float = 0.3
) -> tuple[list[str], Plant | None]:
    """Append one site footer to about ``fraction`` of the documents, as a "footer" family.

    Appending at the end moves no earlier offset, so it runs after planting.
    """
    if len(texts) < 2:
        return list(texts), None
    rng = random.Random(f"footer:{seed}")
    count = min(len(texts), max(2, round(fraction * len(texts))))
    footer = make_footer(rng)
    chosen = sorted(rng.sample(range(len(texts)), count))
    out = list(texts)
    spans, inserted = [], []
    for d in chosen:
        text = out[d]
        newline = "\r\n" if "\r\n" in text else "\n"
        body = footer.replace("\n", newline)
        sep = newline * (1 if text.endswith("\n") else 2)
        start = len(text) + len(sep)
        out[d] = text + sep + body
        spans.append(Span(ids[d], start, start + len(body)))
        inserted.append(body)
    return out, Plant(FOOTER_KIND, spans[0], spans[1:], inserted[0], inserted[1:])


def make_corpus(
    out_dir: Path,
    n_docs: int,
    doc_chars: int = 3000,
    n_plants: int | None = None,
    seed: int = 0,
    messy: bool = True,
    footer: bool = True,
    base: Path | None = None,
) -> list[Plant]:
    """Generate (or, with ``base``, copy real documents), plant, write, and save the truth.

    The truth goes to ``out_dir.parent / f"{out_dir.name}.truth.json"``, outside the corpus.
    With ``base``, ``n_docs <= 0`` takes every document; real texts keep their own text and
    only get messy encodings.
    """
    out_dir = Path(out_dir)
    if base is not None:
        ids, texts = _load_base(Path(base), n_docs, seed)
        styles = choose_styles(ids, seed, messy)
    else:
        ids = default_ids(n_docs)
        styles = choose_styles(ids, seed, messy)
        texts = [
            apply_text_style(t, styles[i])
            for i, t in zip(ids, generate_documents(n_docs, doc_chars, seed), strict=True)
        ]
    if n_plants is None:
        n_plants = max(1, len(ids) // 2)
    final, plants = plant(texts, n_plants, seed, ids=ids)
    if footer:
        final, footer_plant = add_footer(final, ids, seed)
        if footer_plant is not None:
            plants.append(footer_plant)
    write_corpus(out_dir, dict(zip(ids, final, strict=True)), seed, messy)
    meta = {
        "seed": seed,
        "corpus": out_dir.name,
        "n_docs": len(ids),
        "doc_chars": doc_chars,
        "base": str(base) if base is not None else None,
        "docs": {
            i: {
                "encoding": s.encoding,
                "crlf": s.crlf,
                "traditional": s.traditional,
                "half_width": s.half_width,
            }
            for i, s in styles.items()
        },
    }
    save_truth(truth_path(out_dir), plants, meta)
    return plants


def _load_base(base: Path, n_docs: int, seed: int) -> tuple[list[str], list[str]]:
    from reuse.evaluate import read_texts  # late import: evaluate imports this module

    docs = read_texts(base)
    ids = sorted(docs)
    if 0 < n_docs < len(ids):
        ids = sorted(random.Random(f"base:{seed}").sample(ids, n_docs))
    return ids, [docs[i] for i in ids]


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reuse.synth",
        description="Write a corpus with planted reuse; the truth goes to OUT_DIR.truth.json.",
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--docs",
        type=int,
        default=0,
        help="documents to generate (with --base: to sample; 0 = all)",
    )
    parser.add_argument("--chars", type=int, default=3000, help="characters per generated doc")
    parser.add_argument("--plants", type=int, default=None, help="plants (default docs/2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="plant into copies of this real corpus instead of generated text",
    )
    parser.add_argument("--clean", action="store_true", help="no messy encodings/CRLF/traditional")
    parser.add_argument("--no-footer", action="store_true", help="no shared site footer")
    args = parser.parse_args(argv)
    if args.base is None and args.docs <= 0:
        parser.error("--docs N is required without --base")
    if args.base is not None and args.out_dir.resolve().is_relative_to(REPO_ROOT):
        parser.error(f"{args.out_dir} is inside the repository; real texts must stay outside it")
    t0 = time.perf_counter()
    try:
        plants = make_corpus(
            args.out_dir,
            args.docs,
            args.chars,
            args.plants,
            args.seed,
            messy=not args.clean,
            footer=not args.no_footer,
            base=args.base,
        )
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    by_kind: dict[str, int] = {}
    for p in plants:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
    print(
        f"wrote {args.out_dir} ({len(plants)} plants: {kinds}) and {truth_path(args.out_dir)} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
